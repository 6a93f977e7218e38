package dev.keel.reliability.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/** An in-JVM ZooKeeper (curator-test), base path {@code /services}; raw access through a plain Curator client. */
public final class ZooKeeperFixture extends OnceClosedFixture {
  private final TestingServer server;
  private CuratorFramework raw;

  private ZooKeeperFixture(TestingServer server) {
    this.server = server;
  }

  /** ZooKeeper's default tick (3 s): the 30 s session Keel asks for by default is granted. */
  public static ZooKeeperFixture open() throws Exception {
    return new ZooKeeperFixture(Zk.start());
  }

  /**
   * A 250 ms tick, so that a session may be as short as 500 ms and one cut off for a second or two
   * really expires (ZooKeeper bounds session timeouts to 2..20 ticks).
   */
  public static ZooKeeperFixture openWithShortSessions() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))); // TestingServer keeps its data there
    return new ZooKeeperFixture(new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 250, -1), true));
  }

  public TestingServer server() {
    return server;
  }

  @Override
  public String name() {
    return "zookeeper";
  }

  @Override
  public String uri(String extraParams) {
    return Zk.uri(server, extraParams);
  }

  @Override
  public String uriVia(int port, String extraParams) {
    return uri(extraParams).replace("127.0.0.1:" + server.getPort(), "127.0.0.1:" + port);
  }

  @Override
  public int port() {
    return server.getPort();
  }

  @Override
  public void stop() throws Exception {
    server.stop();
  }

  @Override
  public void start() throws Exception {
    server.restart();
  }

  @Override
  public Set<String> instanceIds(String service) throws Exception {
    return new TreeSet<>(raw().getChildren().forPath(path(service)));
  }

  /** Deletes every instance node; the restorer re-creates them (ephemeral, owned by the raw client's session). */
  @Override
  public Runnable deleteInstances(String service) throws Exception {
    Map<String, byte[]> nodes = new LinkedHashMap<>();
    for (String child : raw().getChildren().forPath(path(service))) {
      nodes.put(child, raw().getData().forPath(path(service) + "/" + child));
    }
    for (String child : nodes.keySet()) {
      raw().delete().forPath(path(service) + "/" + child);
    }
    return () -> nodes.forEach((child, data) -> {
      try {
        raw().create().withMode(CreateMode.EPHEMERAL).forPath(path(service) + "/" + child, data);
      } catch (KeeperException.NodeExistsException restoredByTheRegistrar) {
        // the registering client put it back itself
      } catch (Exception e) {
        throw new IllegalStateException("re-creating " + child, e);
      }
    });
  }

  @Override
  public void writeGarbage(String service, String id) throws Exception {
    raw().create().withMode(CreateMode.EPHEMERAL).forPath(path(service) + "/" + id,
        "{not json".getBytes(StandardCharsets.UTF_8));
  }

  private static String path(String service) {
    return "/services/" + service;
  }

  private synchronized CuratorFramework raw() throws InterruptedException {
    if (raw == null) {
      raw = CuratorFrameworkFactory.newClient(server.getConnectString(), 30_000, 5_000, new RetryOneTime(100));
      raw.start();
      if (!raw.blockUntilConnected(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no connection to " + server.getConnectString());
      }
    }
    return raw;
  }

  @Override
  protected void closeOnce() {
    try {
      if (raw != null) {
        raw.close();
      }
      server.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing ZooKeeper", e);
    }
  }
}
