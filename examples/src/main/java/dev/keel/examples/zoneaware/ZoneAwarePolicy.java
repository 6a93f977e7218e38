package dev.keel.examples.zoneaware;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * {@code zone-aware}: prefers the instances whose {@code zone} metadata equals the caller's zone,
 * and falls back to all candidates when none of them is in it. Within the chosen group it picks at
 * random in proportion to the effective weights.
 *
 * <p>The caller's zone is the system property {@code keel.zone}, else the environment variable
 * {@code KEEL_ZONE}; without either, every candidate is used. Found by {@code ServiceLoader}
 * through {@code META-INF/services/dev.keel.balancer.BalancingPolicy}, selected with {@code
 * BalancerConfig.builder().policy("zone-aware")}.
 */
public final class ZoneAwarePolicy implements BalancingPolicy {
  public static final String NAME = "zone-aware";
  public static final String ZONE_KEY = "zone";

  private final @Nullable String zone;

  /** The constructor {@code ServiceLoader} uses: the zone from {@code keel.zone} or {@code KEEL_ZONE}. */
  public ZoneAwarePolicy() {
    this(callerZone());
  }

  /** A policy for a caller in {@code zone} (null: no preference). */
  public ZoneAwarePolicy(@Nullable String zone) {
    this.zone = zone == null || zone.isBlank() ? null : zone;
  }

  static @Nullable String callerZone() {
    String z = System.getProperty("keel.zone");
    return z != null ? z : System.getenv("KEEL_ZONE");
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Runs off the hot path: chooses the group once per membership or weight change. */
  @Override
  public Picker newPicker(Candidates candidates) {
    List<Integer> local = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      if (zone != null && zone.equals(candidates.endpoint(i).instance().metadata().get(ZONE_KEY))) {
        local.add(i);
      }
    }
    int n = local.isEmpty() ? candidates.size() : local.size();
    Endpoint[] group = new Endpoint[n];
    long[] cumulative = new long[n];
    long total = 0;
    for (int j = 0; j < n; j++) {
      int i = local.isEmpty() ? j : local.get(j);
      group[j] = candidates.endpoint(i);
      total += candidates.weight(i);
      cumulative[j] = total;
    }
    long sum = total;
    // The picker: lock-free and allocation-free, as the SPI requires.
    return key -> {
      long r = ThreadLocalRandom.current().nextLong(sum);
      for (int j = 0; j < cumulative.length; j++) {
        if (r < cumulative[j]) {
          return group[j];
        }
      }
      return group[group.length - 1];
    };
  }
}
