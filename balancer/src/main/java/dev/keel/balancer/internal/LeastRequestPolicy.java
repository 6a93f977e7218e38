package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * {@code least-request}: power of two choices on requests in flight. Two distinct candidates are
 * drawn (in proportion to weight when weights differ) and the one with fewer requests in flight
 * wins. The weight acts once, in the draw; dividing the load by it as well would square its effect
 * (a slow-starting endpoint at 10% weight would get about 1% of the traffic). P2C avoids both the herd that
 * "global least" causes among many balancers and the O(n) scan (Mitzenmacher 2001). With exclusion
 * (a retry) both choices are drawn from the endpoints not excluded (see {@code P2c.pick}).
 */
public final class LeastRequestPolicy implements BalancingPolicy {
  @Override
  public String name() {
    return Policies.LEAST_REQUEST;
  }

  @Override
  public Picker newPicker(Candidates c) {
    EndpointState[] endpoints = P2c.endpoints(c);
    if (endpoints.length == 1) {
      Endpoint only = endpoints[0];
      return key -> only;
    }
    return new LeastRequest(endpoints, P2c.of(c));
  }

  private record LeastRequest(EndpointState[] endpoints, P2c choose) implements Picker, P2c.Rule {
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
      return x.inFlight() <= y.inFlight() ? x : y;
    }
  }
}
