package dev.keel.registry.zookeeper;

import dev.keel.testsupport.StderrCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The digest password of {@code zookeeper://user:password@...} appears in no log line (Keel's,
 * Curator's or ZooKeeper's, at debug) and in no exception, whether ZooKeeper refuses it or is down.
 */
@Timeout(120)
class ZooKeeperSecretsIntegrationTest {
  private static final String SECRET = "s3cr3t-PASSWORD-xyz";

  static {
    // Loggers take their level when created: this runs before the adapter, Curator or the server
    // create theirs (this class is the only integration test of the module, alone in its JVM).
    System.setProperty("org.slf4j.simpleLogger.log.dev.keel", "debug");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "debug");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "debug");
  }

  private static final ServiceInstance INSTANCE =
      ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9001).build();

  private static void assertNoSecret(Throwable t) {
    assertThat(t).isNotNull();
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(SECRET);
  }

  @Test
  void aRefusedPasswordShowsUpNowhere() throws Exception {
    try (StderrCapture logs = StderrCapture.start()) {
      try (TestingServer server = ZooKeeperTesting.startServer();
          CuratorFramework admin = adminCurator(server.getConnectString());
          RegistryClient keel = Registries.open("zookeeper://keel:" + SECRET + "@" + server.getConnectString() + "/secured")) {
        keel.register(INSTANCE);
        assertThat(keel.resolve("orders").get("i-1")).isNotNull();
        // A service node only another digest user may add to: ZooKeeper refuses Keel's credentials.
        admin.create().creatingParentsIfNeeded()
            .withACL(List.of(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS), new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
            .forPath("/secured/locked");
        Throwable refused = catchThrowable(() -> keel.register(
            ServiceInstance.builder().service("locked").id("i-1").host("127.0.0.1").port(9001).build()));
        assertThat(refused).isInstanceOf(RegistryException.class).hasMessageContaining("/secured/locked/i-1")
            .hasStackTraceContaining("NoAuth");
        assertNoSecret(refused);
      }
      assertThat(logs.all()).as("the capture sees the adapter's debug log").contains("/secured/orders/i-1");
      assertThat(logs.linesContaining(SECRET)).isEmpty();
    }
  }

  private static CuratorFramework adminCurator(String connectString) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString).retryPolicy(new RetryOneTime(100))
        .authorization("digest", "admin:admin-password".getBytes(StandardCharsets.UTF_8)).build();
    c.start();
    assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    return c;
  }

  @Test
  void anUnreachableZooKeeperShowsThePasswordNowhere() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (StderrCapture logs = StderrCapture.start()) {
      try (RegistryClient client = Registries.open("zookeeper://keel:" + SECRET + "@127.0.0.1:" + closedPort
          + "/secured?resolve-timeout=1s&connection-timeout=500ms&session-timeout=2s")) {
        Throwable resolve = catchThrowable(() -> client.resolve("orders"));
        assertThat(resolve).isInstanceOf(RegistryException.class);
        assertNoSecret(resolve);
        Throwable register = catchThrowable(() -> client.register(INSTANCE));
        assertThat(register).isInstanceOf(RegistryException.class);
        assertNoSecret(register);
      }
      assertThat(logs.all()).as("the capture sees the connection attempts").contains(String.valueOf(closedPort));
      assertThat(logs.linesContaining(SECRET)).isEmpty();
    }
  }
}
