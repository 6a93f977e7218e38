package dev.keel.proxy.tcp;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;

/**
 * A policy that picks the available endpoint whose id is the key. TCP listeners place connections
 * with the {@code ConnectionBalancer}, not with a policy; they use this one only to open a
 * {@code Ticket} on the endpoint a lease chose, so that connect outcomes reach the balancer's
 * outlier detection (an {@code Endpoint} ignores reports with nothing in flight). Registered through
 * {@code META-INF/services/dev.keel.balancer.BalancingPolicy}.
 */
public final class EndpointByIdPolicy implements BalancingPolicy {
  /** The policy name; internal to the proxy. */
  public static final String NAME = "keel-proxy-endpoint-by-id";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Picker newPicker(Candidates candidates) {
    return key -> {
      if (key == null) {
        return null;
      }
      for (int i = 0, n = candidates.size(); i < n; i++) {
        Endpoint e = candidates.endpoint(i);
        if (e.id().contentEquals(key)) {
          return e;
        }
      }
      return null;
    };
  }
}
