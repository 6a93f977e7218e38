package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instances;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two latency estimates of an endpoint, on a fake clock: the peak EWMA (the balancing cost)
 * remembers one slow answer for about a time constant; the plain EWMA (what {@code /status} shows
 * as {@code ewmaMillis}) tracks what a client typically waits.
 */
class LatencyEstimatesTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  @Test
  void averageTracksTheTypicalLatencyWhileThePeakRemembersOneSlowAnswer() {
    discovery.set(instances(1));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    Endpoint e = b.state().members().get(0);
    assertThat(e.latencyEwmaNanos()).as("before any answer").isZero();
    answer(b, 200, 5);
    assertThat(e.latencyEwmaNanos() / 1e6).isCloseTo(5, org.assertj.core.data.Offset.offset(0.01));
    answer(b, 1, 1000); // one slow answer: a GC pause, a cold start
    answer(b, 50, 5);
    assertThat(e.peakEwmaNanos() / 1e6).as("peak, a second later").isGreaterThan(800);
    assertThat(e.latencyEwmaNanos() / 1e6).as("average, a second later").isBetween(5.0, 10.0);
  }

  /** {@code n} requests, one every 20 ms, each answered in {@code millis}. */
  private void answer(Balancer b, int n, long millis) {
    for (int i = 0; i < n; i++) {
      Endpoint picked = Fixtures.present(b.pick(PickArgs.ANY));
      clock.advance(Duration.ofMillis(20));
      picked.onSuccess(TimeUnit.MILLISECONDS.toNanos(millis));
    }
  }
}
