package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlowStartAndPanicTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private static int share(Map<String, Integer> counts, String id) {
    return counts.getOrDefault(id, 0);
  }

  @Test
  void endpointsPresentAtStartUpGetFullWeightAtOnce() {
    discovery.set(SettableDiscovery.instances(2));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    Map<String, Integer> counts = Fixtures.histogram(b, 1_000);
    assertThat(share(counts, "e00")).isEqualTo(500);
  }

  @Test
  void newEndpointRampsLinearlyOverTheWindowFromTenPercent() {
    discovery.set(SettableDiscovery.instances(1));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build(); // 30 s window
    List<ServiceInstance> two = new ArrayList<>(SettableDiscovery.instances(2));
    discovery.set(two);
    // t = 0: weight max(0.1, 0) × 100 = 10 against 100 → 10 of 110 picks.
    assertThat(share(Fixtures.histogram(b, 1_100), "e01")).isEqualTo(100);
    clock.advance(Duration.ofSeconds(15)); // half-way: 50 against 100
    assertThat(share(Fixtures.histogram(b, 1_500), "e01")).isEqualTo(500);
    clock.advance(Duration.ofSeconds(15)); // done: 100 against 100
    assertThat(share(Fixtures.histogram(b, 1_000), "e01")).isEqualTo(500);
  }

  @Test
  void aggressionAboveOneRampsFasterEarly() {
    discovery.set(SettableDiscovery.instances(1));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().slowStartAggression(2.0)
        .slowStartWindow(Duration.ofSeconds(16)).build()).build();
    discovery.set(SettableDiscovery.instances(2));
    clock.advance(Duration.ofSeconds(4)); // (4/16)^(1/2) = 0.5 → 50 against 100 (linear: 25)
    assertThat(share(Fixtures.histogram(b, 1_500), "e01")).isEqualTo(500);
  }

  @Test
  void recoveredEndpointRampsAgainAfterEjection() {
    discovery.set(SettableDiscovery.instances(2));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().panicThreshold(0).build()).build();
    Endpoint e = Fixtures.member(b, "e01");
    while (!e.ejected()) {
      Endpoint p = Fixtures.present(b.pick(PickArgs.ANY));
      if (p == e) {
        p.onFailure(FailureKind.CONNECT);
      } else {
        p.onSuccess(1);
      }
    }
    clock.advance(Duration.ofSeconds(31)); // ejection over: ramp from 10%
    assertThat(e.ejected()).isFalse();
    int picks = share(Fixtures.histogram(b, 1_100), "e01");
    assertThat(picks).isBetween(90, 150);
  }

  @Test
  void panicBringsBackEjectedMembersWhenFewerThanHalfAreAvailable() {
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().outlierMaxEjectionShare(1.0).build())
        .build();
    PinTest.failUntilEjected(b, "e00");
    PinTest.failUntilEjected(b, "e01");
    assertThat(b.state().panic()).isFalse(); // 2 of 4 available = 50%: not below
    assertThat(Fixtures.histogram(b, 100)).containsOnlyKeys("e02", "e03");
    PinTest.failUntilEjected(b, "e02");
    assertThat(b.state().panic()).isTrue(); // 1 of 4 available
    assertThat(Fixtures.histogram(b, 100)).containsOnlyKeys("e00", "e01", "e02", "e03");
  }

  @Test
  void panicNeverBringsBackMembersDownByActiveHealthChecks() {
    discovery.set(SettableDiscovery.instances(4));
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).healthChecker(checker).build();
    checker.up.put("e00", false);
    checker.up.put("e01", false);
    checker.up.put("e02", false);
    clock.advance(Duration.ofSeconds(16)); // 3 failed checks each
    assertThat(b.state().panic()).isTrue(); // 1 of 4 available
    assertThat(Fixtures.histogram(b, 100)).containsOnlyKeys("e03");
  }

  @Test
  void noneAvailableWhenEveryMemberIsDownByChecksAtTheDefaultPanicThreshold() {
    // "503 when no instance is healthy": panic does not send traffic to instances known to be down.
    discovery.set(SettableDiscovery.instances(3));
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).healthChecker(checker).build();
    for (String id : new String[] {"e00", "e01", "e02"}) {
      checker.up.put(id, false);
    }
    clock.advance(Duration.ofSeconds(16));
    assertThat(b.state().panic()).isTrue();
    assertThat(b.state().available()).isEmpty();
    assertThat(b.pick(PickArgs.ANY)).isNull();
    assertThat(b.pick("key")).isNull();
    assertThat(b.pick(PickArgs.builder().pinned("e01").build())).isNull();
    checker.up.put("e01", true);
    clock.advance(Duration.ofSeconds(10)); // two passed checks: back
    assertThat(b.state().available()).extracting(Endpoint::id).containsExactly("e01");
  }

  @Test
  void noneAvailableWhenAllAreUnhealthyAndPanicIsOff() {
    discovery.set(SettableDiscovery.instances(3));
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().panicThreshold(0).build())
        .healthChecker(checker).build();
    for (String id : new String[] {"e00", "e01", "e02"}) {
      checker.up.put(id, false);
    }
    clock.advance(Duration.ofSeconds(16));
    assertThat(b.state().available()).isEmpty();
    assertThat(b.pick(PickArgs.ANY)).isNull();
    assertThat(b.pick("key")).isNull();
  }
}
