package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import java.util.function.LongSupplier;

/**
 * {@code least-response-time}: power of two choices on peak-EWMA latency × (in-flight + 1)
 * (Finagle, Linkerd, tower); the two are drawn in proportion to weight. The latency estimate is the
 * endpoint's; this picker only compares.
 * A floor of {@link #FLOOR_NANOS} keeps the in-flight term meaningful while estimates are zero
 * (nothing answered yet), and a new endpoint joining sampled peers starts at their mean estimate,
 * so it neither looks free (and is flooded) nor infinitely slow (and is starved, tower#134).
 * With exclusion (a retry) both choices are drawn from the endpoints not excluded (see {@code P2c.pick}).
 */
public final class LeastResponseTimePolicy implements BalancingPolicy {
  static final double FLOOR_NANOS = 1_000;

  @Override
  public String name() {
    return Policies.LEAST_RESPONSE_TIME;
  }

  @Override
  public Picker newPicker(Candidates c) {
    LongSupplier nanoTime = c.nanoTime();
    return P2c.picker(c, (x, y) -> {
      long now = nanoTime.getAsLong();
      double costX = (x.peakEwmaNanos(now) + FLOOR_NANOS) * (x.inFlight() + 1);
      double costY = (y.peakEwmaNanos(now) + FLOOR_NANOS) * (y.inFlight() + 1);
      return costX <= costY ? x : y;
    });
  }
}
