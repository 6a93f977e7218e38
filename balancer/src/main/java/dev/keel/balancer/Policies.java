package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.internal.LeastRequestPolicy;
import dev.keel.balancer.internal.LeastResponseTimePolicy;
import dev.keel.balancer.internal.RandomPolicy;
import dev.keel.balancer.internal.RingHashPolicy;
import dev.keel.balancer.internal.RoundRobinPolicy;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds {@link BalancingPolicy policies} by name: the built-ins, then {@link ServiceLoader} ones. */
public final class Policies {
  public static final String ROUND_ROBIN = "round-robin";
  public static final String RANDOM = "random";
  public static final String LEAST_REQUEST = "least-request";
  public static final String LEAST_RESPONSE_TIME = "least-response-time";
  public static final String RING_HASH = "ring-hash";

  private Policies() {}

  /**
   * The policy called {@code name}.
   *
   * @throws IllegalArgumentException naming the known policies when there is none of that name
   */
  public static BalancingPolicy byName(String name) {
    requireNonNull(name, "name");
    Map<String, BalancingPolicy> all = all();
    BalancingPolicy p = all.get(name);
    if (p == null) {
      throw new IllegalArgumentException("policy: '" + name + "' (expected: one of " + all.keySet() + ")");
    }
    return p;
  }

  /** Every known policy by name; built-ins win over ServiceLoader policies of the same name. */
  public static Map<String, BalancingPolicy> all() {
    Map<String, BalancingPolicy> m = new TreeMap<>();
    for (BalancingPolicy p : ServiceLoader.load(BalancingPolicy.class, Policies.class.getClassLoader())) {
      m.put(p.name(), p);
    }
    for (BalancingPolicy p : new BalancingPolicy[] {new RoundRobinPolicy(), new RandomPolicy(),
        new LeastRequestPolicy(), new LeastResponseTimePolicy(), new RingHashPolicy()}) {
      m.put(p.name(), p);
    }
    return m;
  }
}
