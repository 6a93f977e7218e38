package dev.keel.registry.zookeeper;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.internal.GuardedRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/** Faults and plumbing for tests against Curator's in-JVM {@code TestingServer}. */
final class ZooKeeperTesting {
  private ZooKeeperTesting() {}

  /**
   * Starts an in-JVM ZooKeeper on a free port. The build points {@code java.io.tmpdir} into
   * {@code target/}, which may not exist yet; TestingServer keeps its data there.
   */
  static TestingServer startServer() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    return new TestingServer(true);
  }

  /**
   * Starts an in-JVM ZooKeeper with a 250 ms tick, so that sessions may be as short as 500 ms
   * (ZooKeeper bounds them to 2..20 ticks) and a dead session's nodes go quickly.
   */
  static TestingServer startFastServer() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 250, -1), true);
  }

  /** The id of the session {@code client} (guarded or raw) has now. */
  static long sessionId(RegistryClient client) throws Exception {
    return raw(client).curator().getZookeeperClient().getZooKeeper().getSessionId();
  }

  /** The raw ZooKeeper client under {@code client}, guarded or not. */
  static ZooKeeperRegistryClient raw(RegistryClient client) {
    RegistryClient c = client instanceof GuardedRegistryClient ? ((GuardedRegistryClient) client).delegate() : client;
    return (ZooKeeperRegistryClient) c;
  }

  /**
   * Expires {@code curator}'s session on the server, as a real expiry does: a second handle joins
   * the session with its id and password and closes it, so the server ends the session and deletes
   * its ephemeral nodes; the first handle learns of it when it reconnects.
   */
  static void expireOnServer(CuratorFramework curator, String connectString) throws Exception {
    ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(connectString, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, zk.getSessionId(), zk.getSessionPasswd());
    try {
      if (!connected.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the second handle did not connect");
      }
    } finally {
      twin.close();
    }
  }

  /**
   * Expires {@code curator}'s session on the client side only (curator-test's {@link KillSession}):
   * the client moves to a new session while the server still holds the old one and its nodes until
   * it times out, the case where a stale node blocks re-registration (apache/dubbo#5125).
   */
  static void expireOnClient(CuratorFramework curator) throws Exception {
    KillSession.kill(curator.getZookeeperClient().getZooKeeper());
  }

  /** A plain started Curator client, which the caller closes. */
  static CuratorFramework curator(String connectString) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.newClient(connectString, 30_000, 5_000, new RetryOneTime(100));
    c.start();
    if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("could not connect to " + connectString);
    }
    return c;
  }
}
