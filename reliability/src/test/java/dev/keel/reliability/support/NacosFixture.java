package dev.keel.reliability.support;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.nacos.testserver.NacosTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Nacos: registry-nacos's {@code NacosTestServer}, a wire-compatible emulator of Nacos 2.x naming
 * (there is no real Nacos offline; see DESIGN.md). Raw access through a plain nacos-client
 * {@link NamingService}, as another application would use it.
 *
 * <p>Nacos instances are ephemeral and belong to the gRPC connection that registered them: nothing
 * outside that connection can delete them, and a restarted Nacos has none until the clients register
 * again (nacos-client's redo).
 */
public final class NacosFixture extends OnceClosedFixture {
  private final NacosTestServer server;
  private final Path dir;
  private NamingService raw;

  private NacosFixture(NacosTestServer server, Path dir) {
    this.server = server;
    this.dir = dir;
  }

  public static NacosFixture open() throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "nacos-raw");
    return new NacosFixture(NacosTestServer.start(), dir);
  }

  public NacosTestServer server() {
    return server;
  }

  @Override
  public String name() {
    return "nacos";
  }

  @Override
  public String uri(String extraParams) {
    return withParams("nacos://" + server.address(), extraParams);
  }

  @Override
  public String uriVia(int port, String extraParams) {
    throw new UnsupportedOperationException("nacos-client needs the HTTP port and the gRPC port (HTTP + 1000)");
  }

  @Override
  public int port() {
    return server.httpPort();
  }

  @Override
  public void stop() {
    server.stop();
  }

  @Override
  public void start() {
    server.resume();
  }

  /** The connections (ids) that publish instances: open, and not subscribed to {@code service}. */
  public Set<String> publisherConnections(String service) {
    Set<String> ids = new HashSet<>(server.connectionIds());
    ids.removeAll(server.subscribersOf(service));
    return ids;
  }

  @Override
  public Set<String> instanceIds(String service) throws Exception {
    Set<String> ids = new TreeSet<>();
    for (Instance i : raw().getAllInstances(service, false)) {
      Map<String, String> md = i.getMetadata();
      ids.add(md != null && md.containsKey("keel.id") ? md.get("keel.id") : i.getIp() + ":" + i.getPort());
    }
    return ids;
  }

  /**
   * Nothing but the owning connection can remove an ephemeral Nacos instance, so this drops the
   * connections that publish instances (in the scenarios: the registrar's), as Nacos does when a
   * connection fails its health check: the subscribers are pushed the now empty list. The
   * registering client reconnects and registers again by itself (redo), so the restorer does nothing.
   */
  @Override
  public Runnable deleteInstances(String service) {
    for (String id : publisherConnections(service)) {
      server.dropConnection(id);
    }
    return () -> { };
  }

  /** Registers, through plain nacos-client, an instance that Keel cannot map: port 0. */
  @Override
  public void writeGarbage(String service, String id) throws Exception {
    Instance i = new Instance();
    i.setIp("127.0.0.1");
    i.setPort(0);
    i.setEphemeral(true);
    i.setMetadata(new HashMap<>(Map.of("keel.id", id)));
    raw().registerInstance(service, i);
  }

  private synchronized NamingService raw() throws Exception {
    if (raw == null) {
      Properties p = new Properties();
      p.setProperty(PropertyKeyConst.SERVER_ADDR, server.address());
      p.setProperty("JM.SNAPSHOT.PATH", dir.toString());
      if (System.getProperty("JM.LOG.PATH") == null) {
        System.setProperty("JM.LOG.PATH", dir.resolve("logs").toString()); // not ~/logs/nacos
      }
      raw = NamingFactory.createNamingService(p);
    }
    return raw;
  }

  @Override
  protected void closeOnce() {
    try {
      if (raw != null) {
        raw.shutDown();
      }
    } catch (Exception e) {
      throw new IllegalStateException("shutting nacos-client down", e);
    } finally {
      server.close();
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
