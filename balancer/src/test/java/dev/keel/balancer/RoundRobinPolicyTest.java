package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class RoundRobinPolicyTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  @Test
  void weights325GiveExactly325PicksInEveryWindowOfTenInterleaved() {
    discovery.set(instance(0, 3), instance(1, 2), instance(2, 5));
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config("round-robin").build()).build();
    List<String> seq = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      seq.add(e.id());
      e.release();
    }
    // Every window of 10 consecutive picks (sliding, not only aligned) holds 3, 2 and 5.
    for (int start = 0; start + 10 <= seq.size(); start++) {
      Map<String, Integer> counts = new HashMap<>();
      seq.subList(start, start + 10).forEach(id -> counts.merge(id, 1, Integer::sum));
      assertThat(counts).containsEntry("e00", 3).containsEntry("e01", 2).containsEntry("e02", 5);
    }
    // Interleaved: the weight-5 endpoint never takes more than two picks in a row, weight 3 never two.
    int longestRun = 1;
    int run = 1;
    for (int i = 1; i < seq.size(); i++) {
      run = seq.get(i).equals(seq.get(i - 1)) ? run + 1 : 1;
      longestRun = Math.max(longestRun, run);
    }
    assertThat(longestRun).isLessThanOrEqualTo(2);
  }

  @Test
  void counterWrapAroundStaysInRangeAndKeepsCycling() {
    List<Endpoint> endpoints = new ArrayList<>();
    Balancer source = Fixtures.balancer(discovery, clock, Fixtures.config("round-robin").build()).build();
    discovery.set(SettableDiscovery.instances(3));
    endpoints.addAll(source.state().available());
    LongSupplier time = clock::nanoTime;
    // The counter starts at (int) seed: just below Integer.MAX_VALUE, so it wraps within 10 picks.
    Picker picker = Policies.byName("round-robin").newPicker(
        Candidates.of(endpoints, new int[] {1, 1, 1}, Integer.MAX_VALUE - 4, time, 0, () -> 0));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      counts.merge(Fixtures.present(picker.pick(null)).id(), 1, Integer::sum);
    }
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9, 11));
  }

  @Test
  void thousandEndpointsWithMixedWeightsGetPicksProportionalToWeight() {
    List<dev.keel.registry.ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      list.add(instance(i, i % 2 == 0 ? 100 : 300));
    }
    discovery.set(list);
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config("round-robin").build()).build();
    Map<String, Integer> counts = Fixtures.histogram(b, 2000 * 10);
    // One period is 1 + 3 per pair = 2000 slots; 10 periods give exactly 10 and 30 picks.
    assertThat(counts.get("e00")).isEqualTo(10);
    assertThat(counts.get("e01")).isEqualTo(30);
    assertThat(counts).hasSize(1000);
  }
}
