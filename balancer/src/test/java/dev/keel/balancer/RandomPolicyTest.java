package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomPolicyTest {
  @Test
  void weightedRandomStaysWithinChiSquareBoundOver100kPicks() {
    SettableDiscovery discovery = new SettableDiscovery();
    int[] weights = {100, 200, 300, 400, 1000, 37};
    for (int i = 0; i < weights.length; i++) {
      discovery.set(append(discovery, instance(i, weights[i])));
    }
    Balancer b = Fixtures.balancer(discovery, new FakeClock(), Fixtures.config("random").build()).build();
    int n = 100_000;
    Map<String, Integer> counts = Fixtures.histogram(b, n);
    double total = 0;
    for (int w : weights) {
      total += w;
    }
    double chi2 = 0;
    for (int i = 0; i < weights.length; i++) {
      double expected = n * weights[i] / total;
      double observed = counts.getOrDefault(String.format("e%02d", i), 0);
      chi2 += (observed - expected) * (observed - expected) / expected;
    }
    // 5 degrees of freedom: P(chi2 > 20.52) = 0.001 for a correct sampler.
    assertThat(chi2).isLessThan(20.52);
  }

  @Test
  void equalWeightsAreUniform() {
    SettableDiscovery discovery = new SettableDiscovery();
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, new FakeClock(), Fixtures.config("random").build()).build();
    Map<String, Integer> counts = Fixtures.histogram(b, 40_000);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_500, 10_500));
  }

  private static java.util.List<dev.keel.registry.ServiceInstance> append(SettableDiscovery d,
      dev.keel.registry.ServiceInstance i) {
    java.util.List<dev.keel.registry.ServiceInstance> l = new java.util.ArrayList<>(d.resolve("orders").instances());
    l.add(i);
    return l;
  }
}
