package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.internal.LeastRequestPolicy;
import dev.keel.balancer.internal.LeastResponseTimePolicy;
import dev.keel.balancer.internal.RandomPolicy;
import dev.keel.balancer.internal.RingHashPolicy;
import dev.keel.balancer.internal.RoundRobinPolicy;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds {@link BalancingPolicy policies} by name: the built-ins, then {@link ServiceLoader} ones. */
public final class Policies {
  private static final Logger log = LoggerFactory.getLogger(Policies.class);

  public static final String ROUND_ROBIN = "round-robin";
  public static final String RANDOM = "random";
  public static final String LEAST_REQUEST = "least-request";
  public static final String LEAST_RESPONSE_TIME = "least-response-time";
  public static final String RING_HASH = "ring-hash";

  private Policies() {}

  /**
   * The policy called {@code name}, among the built-ins and the plug-ins this library's own class
   * loader sees.
   *
   * @throws IllegalArgumentException naming the known policies when there is none of that name
   */
  public static BalancingPolicy byName(String name) {
    return byName(name, Policies.class.getClassLoader());
  }

  /**
   * The policy called {@code name}, among the built-ins and the plug-ins {@code loader} sees
   * (an application's plug-in directory; its parent should be this library's loader).
   *
   * @throws IllegalArgumentException naming the known policies when there is none of that name
   */
  public static BalancingPolicy byName(String name, ClassLoader loader) {
    requireNonNull(name, "name");
    BalancingPolicy builtIn = builtIn(name);
    if (builtIn != null) {
      return builtIn; // built-ins win anyway: no class-path scan (nor its warnings) per balancer
    }
    Map<String, BalancingPolicy> all = all(loader);
    BalancingPolicy p = all.get(name);
    if (p == null) {
      throw new IllegalArgumentException("policy: '" + name + "' (expected: one of " + all.keySet() + ")");
    }
    return p;
  }

  /** {@link #all(ClassLoader)} through this library's own class loader. */
  public static Map<String, BalancingPolicy> all() {
    return all(Policies.class.getClassLoader());
  }

  /**
   * Every known policy by name: the built-ins and those {@code loader}'s {@link ServiceLoader}
   * finds; built-ins win over plug-ins of the same name. A plug-in that cannot be loaded (a stale
   * service entry, a missing class, a constructor that throws) is skipped with a warning: one
   * broken jar must not stop every balancer from building.
   */
  public static Map<String, BalancingPolicy> all(ClassLoader loader) {
    requireNonNull(loader, "loader");
    Map<String, BalancingPolicy> m = new TreeMap<>();
    Iterator<BalancingPolicy> it = ServiceLoader.load(BalancingPolicy.class, loader).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        BalancingPolicy p = it.next();
        m.put(p.name(), p);
      } catch (ServiceConfigurationError e) {
        log.warn("skipping a balancing policy that cannot be loaded: {}", e.getMessage());
      }
    }
    for (BalancingPolicy p : builtIns()) {
      m.put(p.name(), p);
    }
    return m;
  }

  /** The policies built into this library, which plug-ins cannot replace. */
  public static List<BalancingPolicy> builtIns() {
    return List.of(new RoundRobinPolicy(), new RandomPolicy(), new LeastRequestPolicy(), new LeastResponseTimePolicy(),
        new RingHashPolicy());
  }

  private static @Nullable BalancingPolicy builtIn(String name) {
    return switch (name) {
      case ROUND_ROBIN -> new RoundRobinPolicy();
      case RANDOM -> new RandomPolicy();
      case LEAST_REQUEST -> new LeastRequestPolicy();
      case LEAST_RESPONSE_TIME -> new LeastResponseTimePolicy();
      case RING_HASH -> new RingHashPolicy();
      default -> null;
    };
  }
}
