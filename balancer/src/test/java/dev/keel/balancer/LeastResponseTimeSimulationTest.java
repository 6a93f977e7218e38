package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/** Discrete-event simulations on the fake clock: one request per simulated millisecond. */
class LeastResponseTimeSimulationTest {
  private record InFlight(long finishAt, long startedAt, Endpoint endpoint) {}

  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();
  private final PriorityQueue<InFlight> running =
      new PriorityQueue<>((a, b) -> Long.compare(a.finishAt, b.finishAt));

  /** Runs {@code millis} steps; latency per endpoint id in ms; returns picks per id. */
  private Map<String, Integer> simulate(Balancer b, int millis, Map<String, Integer> latencyMs) {
    Map<String, Integer> picks = new HashMap<>();
    for (int t = 0; t < millis; t++) {
      clock.advanceMillis(1);
      long now = clock.nanoTime();
      while (!running.isEmpty() && running.peek().finishAt <= now) {
        InFlight r = running.poll();
        r.endpoint.onSuccess(now - r.startedAt);
      }
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      picks.merge(e.id(), 1, Integer::sum);
      running.add(new InFlight(now + latencyMs.getOrDefault(e.id(), 10) * 1_000_000L, now, e));
    }
    return picks;
  }

  private Balancer lrt() {
    return Fixtures.balancer(discovery, clock, Fixtures.config("least-response-time").build()).build();
  }

  @Test
  void endpointTenTimesSlowerThanFourOthersGetsUnderFivePercent() {
    discovery.set(SettableDiscovery.instances(5));
    Balancer b = lrt();
    int steps = 30_000;
    Map<String, Integer> picks = simulate(b, steps, Map.of("e04", 100));
    assertThat(picks.getOrDefault("e04", 0)).isLessThan(steps * 5 / 100);
    assertThat(picks).hasSize(5); // still probed now and then, not starved forever
  }

  @Test
  void newEndpointJoiningWarmPeersGetsTrafficWithoutBeingFlooded() {
    List<ServiceInstance> four = SettableDiscovery.instances(4);
    discovery.set(four);
    // Slow start off, to see the cold start alone.
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config("least-response-time")
        .slowStartWindow(java.time.Duration.ZERO).build()).build();
    simulate(b, 5_000, Map.of());
    List<ServiceInstance> five = new ArrayList<>(four);
    five.add(SettableDiscovery.instance(4));
    discovery.set(five);
    Map<String, Integer> picks = simulate(b, 10_000, Map.of());
    // Same speed as its peers: a fair share is 20%; cold start must neither starve nor flood it.
    assertThat(picks.getOrDefault("e04", 0)).isBetween(1_000, 3_500);
  }
}
