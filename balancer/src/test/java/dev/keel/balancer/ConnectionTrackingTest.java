package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionBalancer#openOn(Endpoint)}: connections the transport placed itself (multiplexed
 * connections opened where requests were balanced) count and are shed like placed ones.
 */
class ConnectionTrackingTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  @Test
  void trackedConnectionsCountOnTheirEndpointAndAreShedFromTheSurplus() {
    discovery.set(SettableDiscovery.instances(2));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    Endpoint e00 = Objects.requireNonNull(b.state().member("e00"));
    Endpoint e01 = Objects.requireNonNull(b.state().member("e01"));
    List<ConnectionLease> on0 = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      on0.add(cb.openOn(e00)); // placed where requests went, not where open() would have put them
    }
    ConnectionLease on1 = cb.openOn(e01);
    assertThat(on0).allSatisfy(l -> assertThat(l.endpoint()).isSameAs(e00));
    assertThat(e00.activeConnections()).isEqualTo(6);
    assertThat(e01.activeConnections()).isEqualTo(1);
    assertThat(cb.connections()).isEqualTo(7);
    assertThat(cb.evenness().maxOverShare()).isCloseTo(6 / 3.5, org.assertj.core.api.Assertions.within(1e-9));

    clock.advance(Duration.ofSeconds(6)); // past the settle window
    List<ConnectionLease> shed = cb.shedCandidates();
    // 7 over 2: targets 4 and 3 (ties to the one holding more), so two come off e00
    assertThat(shed).hasSize(2).allSatisfy(l -> assertThat(l.endpoint()).isSameAs(e00));
    assertThat(on1.shedding()).isFalse();

    on0.forEach(ConnectionLease::close);
    on1.close();
    assertThat(cb.connections()).isZero();
    assertThat(e00.activeConnections()).isZero();
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: the refusal is what is tested
  void trackRefusesNull() {
    discovery.set(SettableDiscovery.instances(1));
    ConnectionBalancer cb = ConnectionBalancer.create(Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build());
    assertThatThrownBy(() -> cb.openOn(null)).isInstanceOf(NullPointerException.class).hasMessage("endpoint");
  }
}
