package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer balancer(int n, BalancerConfig.Builder config) {
    discovery.set(SettableDiscovery.instances(n));
    return Fixtures.balancer(discovery, clock, config.slowStartWindow(Duration.ZERO).build()).build();
  }

  /** Picks until {@code target} is picked, ending other requests with success; fails on target. */
  private static void failOn(Balancer b, Endpoint target, int times) {
    int failed = 0;
    for (int i = 0; failed < times && i < 10_000; i++) {
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      if (e == target) {
        e.onFailure(FailureKind.HTTP_5XX);
        failed++;
      } else {
        e.onSuccess(1_000);
      }
    }
  }

  @Test
  void ejectsEndpointAfterFiveConsecutiveFailures() {
    Balancer b = balancer(10, BalancerConfig.builder());
    Endpoint bad = Fixtures.member(b, "e03");
    failOn(b, bad, 4);
    assertThat(bad.ejected()).isFalse();
    failOn(b, bad, 1);
    assertThat(bad.ejected()).isTrue();
    assertThat(b.state().available()).hasSize(9).doesNotContain(bad);
    assertThat(Fixtures.histogram(b, 1_000)).doesNotContainKey("e03");
  }

  @Test
  void successInBetweenResetsTheConsecutiveCount() {
    Balancer b = balancer(10, BalancerConfig.builder());
    Endpoint e = Fixtures.member(b, "e03");
    failOn(b, e, 4);
    Endpoint p;
    do {
      p = Fixtures.present(b.pick(PickArgs.ANY));
      p.onSuccess(1_000);
    } while (p != e);
    failOn(b, e, 4);
    assertThat(e.ejected()).isFalse();
    assertThat(e.consecutiveFailures()).isEqualTo(4);
  }

  @Test
  void ejectionLastsBaseTimesCountAndEndsByItself() {
    Balancer b = balancer(10, BalancerConfig.builder());
    Endpoint bad = Fixtures.member(b, "e03");
    failOn(b, bad, 5);
    clock.advance(Duration.ofSeconds(29));
    assertThat(bad.ejected()).isTrue();
    clock.advance(Duration.ofSeconds(2));
    assertThat(bad.ejected()).isFalse();
    assertThat(b.state().available()).contains(bad);
    // Second ejection soon after: 2 × 30 s.
    failOn(b, bad, 5);
    assertThat(bad.ejected()).isTrue();
    clock.advance(Duration.ofSeconds(59));
    assertThat(bad.ejected()).isTrue();
    clock.advance(Duration.ofSeconds(2));
    assertThat(bad.ejected()).isFalse();
  }

  @Test
  void neverEjectsMoreThanTheMaxShareButAlwaysAllowsOne() {
    Balancer b = balancer(20, BalancerConfig.builder()); // 10% of 20 = 2
    for (String id : new String[] {"e01", "e02", "e03", "e04"}) {
      failOn(b, Fixtures.member(b, id), 5);
    }
    assertThat(b.state().members().stream().filter(Endpoint::ejected).count()).isEqualTo(2);

    SettableDiscovery small = new SettableDiscovery();
    small.set(SettableDiscovery.instances(3)); // 10% of 3 rounds to 0, but one may always go
    Balancer b3 = Fixtures.balancer(small, clock, BalancerConfig.builder().panicThreshold(0).build()).build();
    failOn(b3, Fixtures.member(b3, "e00"), 5);
    failOn(b3, Fixtures.member(b3, "e01"), 5);
    assertThat(b3.state().members().stream().filter(Endpoint::ejected).count()).isEqualTo(1);
  }

  @Test
  void ejectsByFailureRateOverAnInterval() {
    Balancer b = balancer(4, BalancerConfig.builder().outlierConsecutiveFailures(0)
        .outlierMaxEjectionShare(0.5).outlierFailureRate(0.5).outlierMinimumRequests(20));
    Endpoint flaky = Fixtures.member(b, "e02");
    // Alternate success and failure on e02: never 5 in a row, but a 50% failure rate.
    boolean fail = false;
    for (int i = 0; i < 400; i++) {
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      if (e == flaky && (fail = !fail)) {
        e.onFailure(FailureKind.RESET);
      } else {
        e.onSuccess(1_000);
      }
    }
    assertThat(flaky.ejected()).isFalse();
    clock.advance(Duration.ofSeconds(10));
    assertThat(flaky.ejected()).isTrue();
    assertThat(b.state().members().stream().filter(Endpoint::ejected).count()).isEqualTo(1);
  }
}
