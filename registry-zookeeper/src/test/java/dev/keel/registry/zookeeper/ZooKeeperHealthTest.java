package dev.keel.registry.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import dev.keel.testsupport.StderrCapture;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reachability as a ZooKeeper client sees it: nothing listening, the server stopped and back, malformed nodes. */
class ZooKeeperHealthTest {
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  @AfterEach
  void close() throws Exception {
    while (!opened.isEmpty()) {
      opened.pop().close(); // the client before its server
    }
  }

  private <T extends AutoCloseable> T closedAfter(T resource) {
    opened.push(resource);
    return resource;
  }

  @Test
  void withNothingListeningResolveFailsSayingTheRegistryIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RegistryClient client = closedAfter(Registries.open("zookeeper://127.0.0.1:" + port + "/down?resolve-timeout=3s&connection-timeout=1s"));
    assertThat(client).hasToString("zookeeper://127.0.0.1:" + port + "/down");
    assertThatThrownBy(() -> client.resolve("orders"))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("registry zookeeper://127.0.0.1:" + port + "/down is unreachable");
    await().atMost(Duration.ofSeconds(10)).until(() -> client.health().state() == RegistryHealth.State.UNREACHABLE);
    assertThat(client.health().cause()).isNotBlank();
  }

  @Test
  void aServerStoppedUnderAWatchMakesTheSetStaleAndItsReturnMakesItFresh() throws Exception {
    TestingServer server = closedAfter(ZooKeeperTesting.startServer());
    RegistryClient client = closedAfter(Registries.open("zookeeper://" + server.getConnectString() + "/h?session-timeout=30s"));
    client.register(ServiceInstance.builder().service("orders").id("o-1").host("127.0.0.1").port(9001).build());
    Recorder watch = new Recorder();
    client.watch("orders", watch);
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
    assertThat(client.health().reachable()).isTrue();
    assertThat(watch.latest().stale()).isFalse();

    server.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> client.health().state() == RegistryHealth.State.UNREACHABLE);
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.latest().stale());
    assertThat(watch.latest().size()).as("the last known instances are still served").isEqualTo(1);
    assertThat(client.resolve("orders").stale()).isTrue();

    server.restart();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.health().reachable());
    await().atMost(Duration.ofSeconds(10)).until(() -> !watch.latest().stale());
    assertThat(watch.latest().size()).isEqualTo(1);
    assertThat(client.health().outages()).isEqualTo(1);
  }

  @Test
  void aMalformedNodeIsCountedAndLoggedOnceHoweverOftenItIsRead() throws Exception {
    TestingServer server = closedAfter(ZooKeeperTesting.startServer());
    RegistryClient client = closedAfter(Registries.open("zookeeper://" + server.getConnectString() + "/m"));
    try (CuratorFramework raw = ZooKeeperTesting.curator(server.getConnectString());
         StderrCapture logs = StderrCapture.start()) {
      raw.create().creatingParentsIfNeeded().forPath("/m/orders/bad", "{\"address\":\"h\\n12:00 ERROR forged\",\"port\":1}".getBytes(UTF_8));
      Recorder watch = new Recorder();
      client.watch("orders", watch);
      RegistryClient second = Registries.open("zookeeper://" + server.getConnectString() + "/m");
      try {
        for (int i = 0; i < 5; i++) {
          ZooKeeperTesting.raw(client).resolve("orders");
        }
        client.register(ServiceInstance.builder().service("orders").id("good").host("127.0.0.1").port(9001).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
        assertThat(client.health().malformedEntries()).isEqualTo(1);
        assertThat(logs.linesContaining("/m/orders/bad")).hasSize(1);
        assertThat(logs.linesContaining("forged")).singleElement()
            .satisfies(line -> assertThat(line).contains("skipping malformed entry '/m/orders/bad'"));
      } finally {
        second.close();
      }
    }
  }
}
