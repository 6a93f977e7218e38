package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastRequestPolicyTest {
  @Test
  void endpointWithManyRequestsInFlightIsAvoided() {
    SettableDiscovery discovery = new SettableDiscovery();
    discovery.set(SettableDiscovery.instances(5));
    Balancer b = Fixtures.balancer(discovery, new FakeClock(), Fixtures.config("least-request").build()).build();
    Endpoint busy = Fixtures.member(b, "e02");
    List<Endpoint> held = new ArrayList<>();
    // Hold 250 requests (about 50 per endpoint), then end all but those on e02.
    for (int i = 0; i < 250; i++) {
      held.add(b.pick(PickArgs.ANY));
    }
    held.removeIf(e -> {
      if (e != busy) {
        e.release();
        return true;
      }
      return false;
    });
    assertThat(busy.inFlight()).isGreaterThanOrEqualTo(40);
    Map<String, Integer> counts = Fixtures.histogram(b, 10_000);
    assertThat(counts.getOrDefault("e02", 0)).isZero();
    assertThat(counts).hasSize(4);
    held.forEach(Endpoint::release);
    assertThat(busy.inFlight()).isZero();
  }

  @Test
  void idleEndpointsShareEvenly() {
    SettableDiscovery discovery = new SettableDiscovery();
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, new FakeClock(), Fixtures.config("least-request").build()).build();
    Map<String, Integer> counts = Fixtures.histogram(b, 40_000);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_000, 11_000));
  }
}
