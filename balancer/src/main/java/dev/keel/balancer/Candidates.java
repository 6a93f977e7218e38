package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The input of {@link BalancingPolicy#newPicker}: the endpoints that may receive traffic right now,
 * with their effective weights (registry weight scaled by slow start), plus the balancer's injected
 * clock and a seed drawn from its injected random generator. Immutable.
 */
public final class Candidates {
  private final List<Endpoint> endpoints;
  private final int[] weights;
  private final long seed;
  private final LongSupplier nanoTime;
  private final double hashBalanceFactor;
  private final LongSupplier totalInFlight;
  private final boolean equalWeights;
  private final long totalWeight;

  private Candidates(List<Endpoint> endpoints, int[] weights, long seed, LongSupplier nanoTime,
      double hashBalanceFactor, LongSupplier totalInFlight) {
    this.endpoints = endpoints;
    this.weights = weights;
    this.seed = seed;
    this.nanoTime = nanoTime;
    this.hashBalanceFactor = hashBalanceFactor;
    this.totalInFlight = totalInFlight;
    boolean equal = true;
    long total = 0;
    for (int w : weights) {
      total += w;
      equal &= w == weights[0];
    }
    this.equalWeights = equal;
    this.totalWeight = total;
  }

  /**
   * Candidates over {@code endpoints} with the effective {@code weights} (same order, each
   * 1..{@link Integer#MAX_VALUE}).
   *
   * @param seed where the picker's own random sequence starts
   * @param nanoTime the balancer's clock
   * @param hashBalanceFactor the bounded-load factor for hashing policies (≥ 1.0, or 0 for off)
   * @param totalInFlight requests in flight over all of the balancer's endpoints (cheap to read)
   */
  public static Candidates of(List<? extends Endpoint> endpoints, int[] weights, long seed,
      LongSupplier nanoTime, double hashBalanceFactor, LongSupplier totalInFlight) {
    requireNonNull(endpoints, "endpoints");
    requireNonNull(weights, "weights");
    requireNonNull(nanoTime, "nanoTime");
    requireNonNull(totalInFlight, "totalInFlight");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: [] (expected: at least one)");
    }
    if (weights.length != endpoints.size()) {
      throw new IllegalArgumentException(
          "weights.length: " + weights.length + " (expected: " + endpoints.size() + ")");
    }
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) {
        throw new IllegalArgumentException("weights[" + i + "]: " + weights[i] + " (expected: > 0)");
      }
    }
    return new Candidates(List.copyOf(endpoints), weights.clone(), seed, nanoTime, hashBalanceFactor,
        totalInFlight);
  }

  public int size() {
    return weights.length;
  }

  public Endpoint endpoint(int i) {
    return endpoints.get(i);
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The effective weight of endpoint {@code i}, always positive. */
  public int weight(int i) {
    return weights[i];
  }

  /** A copy of all effective weights. */
  public int[] weights() {
    return weights.clone();
  }

  public long totalWeight() {
    return totalWeight;
  }

  /** True when every candidate has the same effective weight (policies may take a uniform fast path). */
  public boolean equalWeights() {
    return equalWeights;
  }

  /** A fresh value from the balancer's seeded generator, for the picker's own random sequence. */
  public long seed() {
    return seed;
  }

  /** The balancer's clock, in nanoseconds. */
  public LongSupplier nanoTime() {
    return nanoTime;
  }

  /** Requests in flight over all of the balancer's endpoints; for bounded-load policies. */
  public long totalInFlight() {
    return totalInFlight.getAsLong();
  }

  /** The bounded-load factor c for hashing policies: no endpoint takes more than c × the mean load; 0 = unbounded. */
  public double hashBalanceFactor() {
    return hashBalanceFactor;
  }
}
