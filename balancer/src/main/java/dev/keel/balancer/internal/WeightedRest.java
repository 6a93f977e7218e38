package dev.keel.balancer.internal;

import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * The balancer's last word when picking with exclusion: a weighted random choice among the
 * candidates not excluded, used when the policy's picker gave up (or broke the contract and
 * returned an excluded endpoint). Two passes over the candidates, each with one {@code
 * exclude.contains} per candidate; lock-free and allocation-free. Immutable, built with each picker.
 */
public final class WeightedRest {
  public static final WeightedRest NONE = new WeightedRest(new Endpoint[0], new int[0], 0);

  private final Endpoint[] endpoints;
  private final int[] weights;
  private final AtomicRandom random;

  private WeightedRest(Endpoint[] endpoints, int[] weights, long seed) {
    this.endpoints = endpoints;
    this.weights = weights;
    this.random = new AtomicRandom(seed);
  }

  /** Over {@code c}'s endpoints and effective weights, with its own random sequence from {@code seed}. */
  public static WeightedRest of(Candidates c, long seed) {
    return new WeightedRest(c.endpoints().toArray(new Endpoint[0]), c.weights(), seed);
  }

  /** A candidate not in {@code exclude}, drawn in proportion to weight; null when all are excluded. */
  public @Nullable Endpoint pick(Collection<? extends Endpoint> exclude) {
    long total = 0;
    for (int i = 0; i < endpoints.length; i++) {
      if (!exclude.contains(endpoints[i])) {
        total += weights[i];
      }
    }
    if (total == 0) {
      return null;
    }
    // total < 2^52 (at most 2^20 endpoints of weight < 2^31): the modulo bias is below 2^-11.
    long r = (random.nextLong() >>> 1) % total;
    Endpoint last = null;
    for (int i = 0; i < endpoints.length; i++) {
      if (!exclude.contains(endpoints[i])) {
        last = endpoints[i];
        r -= weights[i];
        if (r < 0) {
          return last;
        }
      }
    }
    return last; // only if exclude shrank between the passes (a caller changing it concurrently)
  }
}
