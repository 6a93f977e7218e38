package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosRelay;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reachability and incarnations as a Nacos client sees them (issue 23), against a real Nacos
 * ({@link NacosServer#shared()}): the server out of a watcher's reach (its link cut at a
 * {@link NacosRelay}) and back, and a restarted process registering the same instance.
 */
@Tag(NacosServer.TAG)
class NacosHealthIntegrationTest {

  private static ServiceInstance orders(String id) {
    return ServiceInstance.builder().service("health-orders").id(id).host("127.0.0.1").port(9001).build();
  }

  @Test
  void aServerOutOfReachUnderAWatchMakesTheSetStaleAndItsReturnMakesItFresh() {
    NacosServer server = NacosServer.shared();
    try (NacosRelay relay = NacosRelay.to(server);
         RegistryClient owner = NacosTestSupport.keel(server.address()).build();
         RegistryClient watcher = NacosTestSupport.keel(relay.address()).build()) {
      assertThat(watcher).hasToString("nacos://" + relay.address());
      owner.register(orders("o-1"));
      Recorder watch = new Recorder();
      watcher.watch("health-orders", watch);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.health().reachable());

      relay.cut();
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.health().state() == RegistryHealth.State.UNREACHABLE);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.latest().stale());
      assertThat(watch.latest().size()).isEqualTo(1);

      relay.restore();
      await().atMost(Duration.ofSeconds(30)).until(() -> watcher.health().reachable());
      await().atMost(Duration.ofSeconds(20)).until(() -> !watch.latest().stale() && watch.latest().size() == 1);
    }
  }

  @Test
  void aRestartedProcessRegisteringTheSameInstanceIsANewIncarnation() {
    NacosServer server = NacosServer.shared();
    try (RegistryClient watcher = NacosTestSupport.keel(server.address()).build()) {
      Recorder watch = new Recorder();
      String before;
      try (RegistryClient first = NacosTestSupport.keel(server.address()).build()) {
        first.register(orders("o-2"));
        watcher.watch("health-orders", watch);
        await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.lastIds().contains("o-2"));
        before = watch.lastInstance("o-2").incarnation();
        assertThat(before).isNotEmpty();
      } // the process is gone (its connection drops) ...

      try (RegistryClient restarted = NacosTestSupport.keel(server.address()).build()) {
        restarted.register(orders("o-2")); // ... and back with the same instance
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
          ServiceInstance now = watch.lastInstance("o-2");
          assertThat(now).isEqualTo(orders("o-2"));
          assertThat(now.incarnation()).isNotEqualTo(before);
        });
      }
    }
  }
}
