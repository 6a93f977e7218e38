package dev.keel.registry.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ZooKeeper down: resolve and register fail within the timeout, watch waits and delivers later. */
class UnreachableZooKeeperTest {
  private TestingServer server;
  private RegistryClient client;

  @BeforeEach
  void startThenStopServer() throws Exception {
    server = ZooKeeperTesting.startServer();
    server.stop();
    client = Registries.open("zookeeper://" + server.getConnectString() + "/down?resolve-timeout=1s&connection-timeout=500ms");
  }

  @AfterEach
  void close() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void resolveThrowsRegistryExceptionNamingThePath() {
    assertThatThrownBy(() -> ZooKeeperTesting.raw(client).resolve("orders"))
        .isInstanceOf(RegistryException.class).hasMessageContaining("/down/orders").hasMessageContaining("within 1s");
    assertThatThrownBy(() -> client.resolve("orders")).isInstanceOf(RegistryException.class);
  }

  @Test
  void refusedRegistrationIsNotCreatedWhenTheServerComesBack() throws Exception {
    assertThatThrownBy(() -> client.register(instance("refused", 9001)))
        .isInstanceOf(RegistryException.class).hasMessageContaining("/down/orders/refused");
    server.restart();
    // register waits for a connection no longer than resolve-timeout (1 s), and the ZooKeeper client
    // retries its connection after a random pause of up to 1 s: let it reconnect first.
    await().atMost(Duration.ofSeconds(20))
        .until(() -> ZooKeeperTesting.raw(client).curator().getZookeeperClient().isConnected());
    client.register(instance("accepted", 9002));
    try (CuratorFramework observer = ZooKeeperTesting.curator(server.getConnectString())) {
      assertThat(observer.getChildren().forPath("/down/orders")).containsExactly("accepted");
    }
  }

  @Test
  void watchDoesNotThrowAndDeliversOnceTheServerIsBack() throws Exception {
    Recorder watch = new Recorder();
    client.watch("orders", watch);
    await().atMost(Duration.ofSeconds(10)).until(() -> client.health().state() == RegistryHealth.State.UNREACHABLE);
    // Past the timeouts (1 s, 500 ms) the watch still has nothing to deliver, and does not throw.
    await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5)).until(() -> watch.count() == 0);

    server.restart();
    try (RegistryClient other = Registries.open("zookeeper://" + server.getConnectString() + "/down")) {
      other.register(instance("i-1", 9001));
      await().atMost(Duration.ofSeconds(15)).until(() -> watch.lastIds().equals(List.of("i-1")));
    }
  }

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(port).build();
  }
}
