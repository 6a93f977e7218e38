package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: an instance killed and restarted with the same id registers again before its old
 * registration is gone. The registry reports the new registration as a new incarnation; the
 * balancer must not keep the dead process's ejection on it, and must start it slowly.
 */
class IncarnationTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private static List<ServiceInstance> instances(int n, String incarnationOfE03) {
    List<ServiceInstance> out = new ArrayList<>();
    for (ServiceInstance i : SettableDiscovery.instances(n)) {
      out.add(i.toBuilder().incarnation(i.id().equals("e03") ? incarnationOfE03 : "1").build());
    }
    return out;
  }

  private Balancer balancer() {
    discovery.set(instances(10, "1"));
    return Fixtures.balancer(discovery, clock, BalancerConfig.builder().slowStartWindow(Duration.ofSeconds(30)).build())
        .build();
  }

  private static void eject(Balancer b, Endpoint target) {
    for (int failed = 0, i = 0; failed < 5 && i < 10_000; i++) {
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      if (e == target) {
        e.onFailure(FailureKind.CONNECT);
        failed++;
      } else {
        e.onSuccess(1_000);
      }
    }
  }

  @Test
  void aNewIncarnationIsNoLongerEjectedAndStartsSlowly() {
    Balancer b = balancer();
    Endpoint e03 = Fixtures.member(b, "e03");
    eject(b, e03);
    assertThat(e03.ejected()).isTrue();

    discovery.set(instances(10, "2")); // restarted: the same instance, registered again

    Endpoint now = Fixtures.member(b, "e03");
    assertThat(now.ejected()).isFalse();
    assertThat(now.consecutiveFailures()).isZero();
    assertThat(b.state().available()).contains(now);
    Map<String, Integer> picks = Fixtures.histogram(b, 9_000);
    assertThat(picks.getOrDefault("e03", 0)).as("slow start: well below an equal share of 900").isPositive().isLessThan(450);
  }

  @Test
  void theSameIncarnationPushedAgainKeepsItsEjection() {
    Balancer b = balancer();
    Endpoint e03 = Fixtures.member(b, "e03");
    eject(b, e03);

    discovery.set(instances(10, "1").subList(0, 10)); // a push that changes nothing of e03

    assertThat(Fixtures.member(b, "e03").ejected()).isTrue();
  }
}
