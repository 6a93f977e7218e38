package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import dev.keel.testsupport.StderrCapture;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reachability as an etcd client sees it (issue 23): nothing listening, the server stopped under a
 * watch and back, a restarted instance, a malformed entry read many times.
 */
class EtcdHealthIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  private static ServiceInstance orders(String id) {
    return ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(9001).build();
  }

  @Test
  void withNothingListeningTheFirstResolveFailsSayingTheRegistryIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RegistryClient c = Registries.open("etcd://127.0.0.1:" + port + "?resolve-timeout=5s")) {
      assertThat(c).hasToString("etcd://127.0.0.1:" + port);
      assertThatThrownBy(() -> c.resolve("hello"))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("cannot resolve 'hello'")
          .hasMessageContaining("registry etcd://127.0.0.1:" + port + " is unreachable")
          .hasMessageContaining("Connection refused");
      assertThat(c.health().state()).isEqualTo(RegistryHealth.State.UNREACHABLE);
    }
  }

  @Test
  void aServerStoppedUnderAWatchMakesTheSetStaleAndItsReturnMakesItFresh() throws Exception {
    try (RegistryClient owner = Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/health&ttl=30s");
         RegistryClient watcher = Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/health")) {
      owner.register(orders("o-1"));
      Recorder watch = new Recorder();
      watcher.watch("orders", watch);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.health().reachable());

      etcd.stop();
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.health().state() == RegistryHealth.State.UNREACHABLE);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.latest().stale());
      assertThat(watch.latest().size()).isEqualTo(1);

      etcd.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> watcher.health().reachable());
      await().atMost(Duration.ofSeconds(10)).until(() -> !watch.latest().stale());
      assertThat(watch.latest().size()).isEqualTo(1);
    }
  }

  @Test
  void aRestartedProcessRegisteringTheSameIdIsANewIncarnation() throws Exception {
    String uri = "etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/incarnation&ttl=30s";
    try (RegistryClient killed = Registries.open(uri);
         RegistryClient restarted = Registries.open(uri);
         RegistryClient watcher = Registries.open(uri)) {
      killed.register(orders("o-1")); // its lease outlives the process by up to the TTL
      Recorder watch = new Recorder();
      watcher.watch("orders", watch);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
      String before = watch.latest().instances().get(0).incarnation();
      assertThat(before).isNotEmpty();

      restarted.register(orders("o-1"));

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(watch.latest().instances()).singleElement().satisfies(i -> {
            assertThat(i).isEqualTo(orders("o-1"));
            assertThat(i.incarnation()).isNotEqualTo(before);
          }));
    }
  }

  @Test
  void aMalformedEntryIsCountedAndLoggedOnceHoweverOftenItIsRead() throws Exception {
    try (Client raw = Client.builder().endpoints(etcd.endpoint()).build();
         RegistryClient c = Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/malformed");
         StderrCapture logs = StderrCapture.start()) {
      raw.getKVClient().put(bytes("/malformed/services/orders/bad"), bytes("{\"host\":\"h\\n12:00 ERROR forged\",\"port\":1}")).get();
      Recorder watch = new Recorder();
      c.watch("orders", watch);
      for (int i = 0; i < 5; i++) {
        ((EtcdRegistryClient) ((dev.keel.registry.internal.GuardedRegistryClient) c).delegate()).resolve("orders");
      }
      c.register(orders("good"));
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
      assertThat(c.health().malformedEntries()).isEqualTo(1);
      assertThat(logs.linesContaining("/malformed/services/orders/bad")).hasSize(1);
      assertThat(logs.linesContaining("forged")).singleElement()
          .satisfies(line -> assertThat(line).contains("skipping malformed entry"));
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
