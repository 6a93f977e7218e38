package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StaleStateTest {
  @Test
  void theStateIsStaleWhileTheSetComesFromTheSnapshotCacheAndFreshAfter() {
    SettableDiscovery d = new SettableDiscovery();
    d.setStale(SettableDiscovery.instances(3));
    try (Balancer b = Fixtures.balancer(d, new FakeClock(), BalancerConfig.defaults()).build()) {
      assertThat(b.state().stale()).isTrue();
      assertThat(b.pick(PickArgs.ANY)).isNotNull();
      d.set(SettableDiscovery.instances(3));
      assertThat(b.state().stale()).isFalse();
      assertThat(b.state().members()).hasSize(3);
    }
  }
}
