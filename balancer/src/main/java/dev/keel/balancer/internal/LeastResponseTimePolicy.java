package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import java.util.Collection;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

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
    EndpointState[] endpoints = P2c.endpoints(c);
    if (endpoints.length == 1) {
      Endpoint only = endpoints[0];
      return key -> only;
    }
    return new LeastResponseTime(endpoints, P2c.of(c), c.nanoTime());
  }

  private record LeastResponseTime(EndpointState[] endpoints, P2c choose,
      LongSupplier nanoTime) implements Picker, P2c.Rule {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      long pair = choose.pair();
      return better(endpoints[(int) (pair >>> 32)], endpoints[(int) pair]);
    }

    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
      return choose.pick(endpoints, exclude, this);
    }

    @Override
    public EndpointState better(EndpointState x, EndpointState y) {
      long now = nanoTime.getAsLong();
      double costX = (x.ewmaAt(now) + FLOOR_NANOS) * (x.inFlight() + 1);
      double costY = (y.ewmaAt(now) + FLOOR_NANOS) * (y.inFlight() + 1);
      return costX <= costY ? x : y;
    }
  }
}
