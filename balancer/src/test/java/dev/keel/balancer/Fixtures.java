package dev.keel.balancer;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/** Builders of deterministic balancers for tests: fake clock, seeded random, direct executor. */
final class Fixtures {
  private Fixtures() {}

  static Balancer.Builder balancer(SettableDiscovery discovery, FakeClock clock, BalancerConfig config) {
    return Balancer.builder(discovery, SettableDiscovery.SERVICE)
        .config(config)
        .clock(clock)
        .random(new SplittableRandom(42))
        .executor(Runnable::run);
  }

  static BalancerConfig.Builder config(String policy) {
    return BalancerConfig.builder().policy(policy);
  }

  /** {@code value}, which the test expects (a pick, a lease): fails the test when it is null. */
  static <T> T present(@Nullable T value) {
    if (value == null) {
      throw new AssertionError("expected a value, got null");
    }
    return value;
  }

  /** The member {@code id} of {@code balancer}; fails the test when it has none. */
  static Endpoint member(Balancer balancer, String id) {
    Endpoint e = balancer.state().member(id);
    if (e == null) {
      throw new AssertionError("no member " + id + " in " + balancer.state().members());
    }
    return e;
  }

  /** Picks {@code n} times, ending each request at once, and counts picks per endpoint id. */
  static Map<String, Integer> histogram(Balancer balancer, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Endpoint e = balancer.pick(PickArgs.ANY);
      if (e != null) {
        counts.merge(e.id(), 1, Integer::sum);
        e.onSuccess(1_000_000);
      }
    }
    return counts;
  }
}
