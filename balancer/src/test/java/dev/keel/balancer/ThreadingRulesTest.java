package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rules that comments used to state are checked: types are sealed, serial state is guarded. */
class ThreadingRulesTest {
  @Test
  void stateConfinedToTheSerialExecutorCannotBeChangedFromAnotherThread() {
    SettableDiscovery discovery = new SettableDiscovery();
    discovery.set(instance(0));
    Balancer b = Fixtures.balancer(discovery, new FakeClock(), BalancerConfig.defaults()).build();
    EndpointState e = (EndpointState) Fixtures.member(b, "e00");
    assertThatThrownBy(() -> e.ejected(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not on the serial executor");
    assertThatThrownBy(() -> e.healthy(false)).isInstanceOf(IllegalStateException.class);
    assertThat(e.ejected()).isFalse();
    assertThat(e.healthy()).isTrue();
  }

  @Test
  void theTypesOnlyTheBalancerImplementsAreSealedAndThePluginTypesAreNot() {
    for (Class<?> c : new Class<?>[] {Balancer.class, Endpoint.class, ConnectionBalancer.class, ConnectionLease.class}) {
      assertThat(c.isSealed()).as(c.getSimpleName()).isTrue();
      assertThat(c.getPermittedSubclasses()).as(c.getSimpleName()).hasSize(1);
    }
    for (Class<?> c : new Class<?>[] {BalancingPolicy.class, Picker.class, HealthChecker.class}) {
      assertThat(c.isSealed()).as(c.getSimpleName()).isFalse();
    }
  }
}
