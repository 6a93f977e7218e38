package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;

/**
 * {@code least-request}: power of two choices on requests in flight. Two distinct candidates are
 * drawn (in proportion to weight when weights differ) and the one with fewer requests in flight
 * wins. The weight acts once, in the draw; dividing the load by it as well would square its effect
 * (a slow-starting endpoint at 10% weight would get about 1% of the traffic). P2C avoids both the herd that
 * "global least" causes among many balancers and the O(n) scan (Mitzenmacher 2001). With exclusion
 * (a retry) both choices are drawn from the endpoints not excluded (see {@code P2c.pick}).
 */
public final class LeastRequestPolicy implements BalancingPolicy {
  private static final P2c.Rule FEWER_IN_FLIGHT = (x, y) -> x.inFlight() <= y.inFlight() ? x : y;

  @Override
  public String name() {
    return Policies.LEAST_REQUEST;
  }

  @Override
  public Picker newPicker(Candidates c) {
    return P2c.picker(c, FEWER_IN_FLIGHT);
  }
}
