package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.BalancerConfig;
import dev.keel.registry.RegistryUri;
import dev.keel.registry.ServiceInstance;
import io.grpc.Status;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The parsed {@code keel} / {@code keel_connection} load-balancing config: Keel's {@link
 * BalancerConfig} plus what is particular to gRPC. Keys are the {@code BalancerConfig} names in the
 * service config's camelCase; durations are strings ({@code "10s"}, {@code "1.5s"}, {@code
 * "500ms"}); an unknown key or a bad value is an error naming both. Equal when parsed from equal
 * JSON (channels with equal configs share a connection group).
 *
 * @param raw the JSON it was parsed from (for equality)
 * @param hashHeader the request header whose value is the ring-hash key, or null
 * @param requireMetadata only instances whose metadata has all of these entries are used
 * @param preferMetadata instances whose metadata has all of these are used while any is connected
 *     (per-RPC) or available (per-connection); the others only when none is
 * @param failureCodes the statuses reported to the balancer as failures of the instance
 * @param rebalanceInterval how often {@code keel_connection} checks the spread
 */
record KeelLbConfig(Map<String, ?> raw, BalancerConfig balancer, @Nullable String hashHeader,
    Map<String, String> requireMetadata, Map<String, String> preferMetadata, Set<Status.Code> failureCodes,
    Duration rebalanceInterval) {

  /** Statuses that say the instance failed, rather than the application answering (see README). */
  static final Set<Status.Code> DEFAULT_FAILURE_CODES = Set.copyOf(EnumSet.of(Status.Code.UNAVAILABLE,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.DATA_LOSS));

  static final KeelLbConfig DEFAULTS = parse(Map.of());

  KeelLbConfig {
    raw = Map.copyOf(raw);
    requireNonNull(balancer, "balancer");
    requireMetadata = Map.copyOf(requireMetadata);
    preferMetadata = Map.copyOf(preferMetadata);
    failureCodes = Set.copyOf(failureCodes);
    requireNonNull(rebalanceInterval, "rebalanceInterval");
  }

  /** Keys of {@link BalancerConfig} that apply to gRPC, with how each is set. */
  private static final Map<String, BiConsumer<BalancerConfig.Builder, Object>> BALANCER_KEYS = balancerKeys();

  private static Map<String, BiConsumer<BalancerConfig.Builder, Object>> balancerKeys() {
    Map<String, BiConsumer<BalancerConfig.Builder, Object>> m = new LinkedHashMap<>();
    m.put("policy", (b, v) -> b.policy(string("policy", v)));
    m.put("outlierConsecutiveFailures", (b, v) -> b.outlierConsecutiveFailures(integer("outlierConsecutiveFailures", v)));
    m.put("outlierFailureRate", (b, v) -> b.outlierFailureRate(number("outlierFailureRate", v)));
    m.put("outlierMinimumRequests", (b, v) -> b.outlierMinimumRequests(integer("outlierMinimumRequests", v)));
    m.put("outlierInterval", (b, v) -> b.outlierInterval(duration("outlierInterval", v)));
    m.put("outlierBaseEjectionTime", (b, v) -> b.outlierBaseEjectionTime(duration("outlierBaseEjectionTime", v)));
    m.put("outlierMaxEjectionTime", (b, v) -> b.outlierMaxEjectionTime(duration("outlierMaxEjectionTime", v)));
    m.put("outlierMaxEjectionShare", (b, v) -> b.outlierMaxEjectionShare(number("outlierMaxEjectionShare", v)));
    m.put("slowStartWindow", (b, v) -> b.slowStartWindow(duration("slowStartWindow", v)));
    m.put("slowStartAggression", (b, v) -> b.slowStartAggression(number("slowStartAggression", v)));
    m.put("slowStartMinWeight", (b, v) -> b.slowStartMinWeight(number("slowStartMinWeight", v)));
    m.put("panicThreshold", (b, v) -> b.panicThreshold(number("panicThreshold", v)));
    m.put("hashBalanceFactor", (b, v) -> b.hashBalanceFactor(number("hashBalanceFactor", v)));
    m.put("ewmaDecay", (b, v) -> b.ewmaDecay(duration("ewmaDecay", v)));
    m.put("rebalanceTolerance", (b, v) -> b.rebalanceTolerance(number("rebalanceTolerance", v)));
    m.put("rebalanceSettle", (b, v) -> b.rebalanceSettle(duration("rebalanceSettle", v)));
    m.put("rebalanceMaxShedPerSecond", (b, v) -> b.rebalanceMaxShedPerSecond(number("rebalanceMaxShedPerSecond", v)));
    m.put("rebalanceCounts", (b, v) -> b.rebalanceCounts(counts("rebalanceCounts", v)));
    m.put("rebalanceRound", (b, v) -> b.rebalanceRound(duration("rebalanceRound", v)));
    return m;
  }

  private static final List<String> GRPC_KEYS =
      List.of("hashHeader", "metadata", "preferMetadata", "failureStatus", "rebalanceInterval");

  /**
   * Parses a {@code keel} config object.
   *
   * @throws IllegalArgumentException naming the key and the value, e.g. {@code "rebalanceTolerance:
   *     -1.0 (expected: 0.0..1.0)"}, or an unknown key with the keys known
   */
  static KeelLbConfig parse(Map<String, ?> json) {
    requireNonNull(json, "json");
    BalancerConfig.Builder b = BalancerConfig.builder();
    String hashHeader = null;
    Map<String, String> require = Map.of();
    Map<String, String> prefer = Map.of();
    Set<Status.Code> failures = DEFAULT_FAILURE_CODES;
    Duration interval = Duration.ofMillis(500);
    for (Map.Entry<String, ?> e : json.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (value == null) {
        throw new IllegalArgumentException(key + ": null (expected: a value)");
      }
      BiConsumer<BalancerConfig.Builder, Object> setter = BALANCER_KEYS.get(key);
      if (setter != null) {
        setter.accept(b, value);
        continue;
      }
      switch (key) {
        case "hashHeader" -> hashHeader = string(key, value).toLowerCase(Locale.ROOT);
        case "metadata" -> require = stringMap(key, value);
        case "preferMetadata" -> prefer = stringMap(key, value);
        case "failureStatus" -> failures = codes(key, value);
        case "rebalanceInterval" -> {
          interval = duration(key, value);
          if (interval.isZero()) {
            throw new IllegalArgumentException(key + ": '" + value + "' (expected: > 0)");
          }
        }
        default -> {
          List<String> known = new java.util.ArrayList<>(BALANCER_KEYS.keySet());
          known.addAll(GRPC_KEYS);
          throw new IllegalArgumentException("unknown key '" + key + "' (expected one of: " + known + ")");
        }
      }
    }
    BalancerConfig balancer = b.build();
    dev.keel.balancer.Policies.byName(balancer.policy()); // an unknown policy fails here, naming the known ones
    return new KeelLbConfig(json, balancer, hashHeader, require, prefer, failures, interval);
  }

  /** True when {@code instance} passes {@link #requireMetadata()}. */
  boolean admits(ServiceInstance instance) {
    return matches(instance, requireMetadata);
  }

  /** True when {@code instance} is one of the preferred ones (always, without a preference). */
  boolean preferred(ServiceInstance instance) {
    return matches(instance, preferMetadata);
  }

  private static boolean matches(ServiceInstance instance, Map<String, String> wanted) {
    for (Map.Entry<String, String> w : wanted.entrySet()) {
      if (!w.getValue().equals(instance.metadata().get(w.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KeelLbConfig other && raw.equals(other.raw);
  }

  @Override
  public int hashCode() {
    return raw.hashCode();
  }

  private static String string(String key, Object v) {
    if (v instanceof String s && !s.isBlank()) {
      return s;
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: a non-blank string)");
  }

  private static double number(String key, Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: a number)");
  }

  private static int integer(String key, Object v) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
      return (int) n.doubleValue();
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: an integer)");
  }

  private static Duration duration(String key, Object v) {
    if (v instanceof String s) {
      return RegistryUri.parseDuration(key, s);
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: a duration string such as \"10s\", \"1.5s\", \"500ms\")");
  }

  private static BalancerConfig.ConnectionCounts counts(String key, Object v) {
    if (v instanceof String s) {
      for (BalancerConfig.ConnectionCounts c : BalancerConfig.ConnectionCounts.values()) {
        if (c.name().equalsIgnoreCase(s)) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: \"auto\" or \"local\")");
  }

  private static Map<String, String> stringMap(String key, Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getValue() instanceof String s)) {
          throw new IllegalArgumentException(key + "." + e.getKey() + ": " + quoted(e.getValue()) + " (expected: a string)");
        }
        out.put(String.valueOf(e.getKey()), s);
      }
      return out;
    }
    throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: an object of strings, such as {\"zone\": \"a\"})");
  }

  private static Set<Status.Code> codes(String key, Object v) {
    if (!(v instanceof List<?> list)) {
      throw new IllegalArgumentException(key + ": " + quoted(v) + " (expected: a list of status codes such as [\"UNAVAILABLE\"])");
    }
    EnumSet<Status.Code> out = EnumSet.noneOf(Status.Code.class);
    for (Object o : list) {
      try {
        Status.Code code = Status.Code.valueOf(String.valueOf(o).toUpperCase(Locale.ROOT));
        if (code == Status.Code.OK) {
          throw new IllegalArgumentException("OK");
        }
        out.add(code);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + ": " + quoted(o) + " (expected: a gRPC status code name other than OK, such as UNAVAILABLE)");
      }
    }
    return out;
  }

  private static String quoted(@Nullable Object v) {
    return v instanceof String ? "'" + v + "'" : String.valueOf(v);
  }
}
