package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import java.util.Arrays;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * {@code ring-hash}: consistent hashing on a ring of virtual nodes, with bounded load.
 *
 * <p>Endpoint i owns round(w_i × {@link #VNODES_PER_WEIGHT}) points (160 at the default weight 100),
 * placed at SplitMix64 steps from the hash of its id, so an endpoint's points depend only on its id
 * and weight. A key goes to the first point at or after its hash. Removing one of N endpoints
 * therefore moves only the keys that endpoint owned (about 1/N), and when it returns with the same
 * id its points — and keys — come back.
 *
 * <p>Bounded load (Mirrokni et al. 2016; HAProxy's hash-balance-factor): with factor c, an endpoint
 * already holding ≥ c × its weighted share of the requests in flight is skipped and the walk goes on
 * clockwise. An idle endpoint is always accepted, so the total is read only under load.
 *
 * <p>With exclusion (a retry) the walk goes clockwise from the key's point to the next endpoint
 * not excluded that the bounded load accepts, so every retry of one key lands on the same second
 * choice (and a second retry on the same third), as a consistent-hash retry should. The walk is
 * capped at {@link #MAX_EXCLUDED_STEPS} points; then the first endpoint not excluded that it
 * passed wins, or, if none, the balancer's weighted fallback decides.
 *
 * <p>Each ring entry packs the point's top 44 bits with the owner's index in the low 20 bits, so
 * one sorted {@code long[]} is the whole ring and lookup is a binary search.
 */
public final class RingHashPolicy implements BalancingPolicy {
  static final double VNODES_PER_WEIGHT = 1.6;
  static final int MAX_RING = 1 << 21;
  static final int MAX_EXCLUDED_STEPS = 256;
  private static final int INDEX_BITS = 20;
  private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
  private static final long GAMMA = 0x9e3779b97f4a7c15L;

  @Override
  public String name() {
    return Policies.RING_HASH;
  }

  @Override
  public Picker newPicker(Candidates c) {
    int n = c.size();
    if (n > INDEX_MASK + 1) {
      throw new IllegalArgumentException("candidates: " + n + " (expected: <= " + (INDEX_MASK + 1) + ")");
    }
    int[] vnodes = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      vnodes[i] = (int) Math.max(1, Math.round(c.weight(i) * VNODES_PER_WEIGHT));
      total += vnodes[i];
    }
    if (total > MAX_RING) { // only for extreme weights × counts; scaling moves some keys
      double scale = (double) MAX_RING / total;
      total = 0;
      for (int i = 0; i < n; i++) {
        vnodes[i] = (int) Math.max(1, Math.floor(vnodes[i] * scale));
        total += vnodes[i];
      }
    }
    long[] ring = new long[(int) total];
    int k = 0;
    for (int i = 0; i < n; i++) {
      long h = AtomicRandom.hash(c.endpoint(i).id());
      for (int v = 0; v < vnodes[i]; v++) {
        long point = AtomicRandom.mix64(h + (v + 1) * GAMMA);
        ring[k++] = (point & ~INDEX_MASK) | i;
      }
    }
    Arrays.sort(ring);
    return new Ring(c.endpoints().toArray(new Endpoint[0]), c.weights(), c.totalWeight(), ring,
        c.hashBalanceFactor(), c, new AtomicRandom(c.seed()));
  }

  private record Ring(Endpoint[] endpoints, int[] weights, long totalWeight, long[] ring,
      double factor, Candidates candidates, AtomicRandom random) implements Picker {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      int pos = position(key);
      int first = (int) (ring[pos] & INDEX_MASK);
      if (factor == 0 || endpoints[first].inFlight() == 0) {
        return endpoints[first];
      }
      long inFlight = candidates.totalInFlight() + 1;
      for (int step = 0; step < ring.length; step++) {
        int i = (int) (ring[pos] & INDEX_MASK);
        if (withinBound(i, inFlight)) {
          return endpoints[i];
        }
        pos = pos + 1 == ring.length ? 0 : pos + 1;
      }
      return endpoints[first];
    }

    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
      int pos = position(key);
      int firstAllowed = -1;
      int last = -1; // consecutive points often share an owner: ask exclude once per owner change
      boolean lastExcluded = true;
      long inFlight = -1; // read lazily, as pick(key) does
      for (int step = 0, n = Math.min(ring.length, MAX_EXCLUDED_STEPS); step < n; step++) {
        int i = (int) (ring[pos] & INDEX_MASK);
        if (i != last) {
          last = i;
          lastExcluded = exclude.contains(endpoints[i]);
        }
        if (!lastExcluded) {
          if (factor == 0 || endpoints[i].inFlight() == 0) {
            return endpoints[i];
          }
          if (firstAllowed < 0) {
            firstAllowed = i;
          }
          if (inFlight < 0) {
            inFlight = candidates.totalInFlight() + 1;
          }
          if (withinBound(i, inFlight)) {
            return endpoints[i];
          }
        }
        pos = pos + 1 == ring.length ? 0 : pos + 1;
      }
      return firstAllowed < 0 ? null : endpoints[firstAllowed];
    }

    /** The index of the first ring point at or after the key's hash (a random point for no key). */
    private int position(@Nullable CharSequence key) {
      long h = key == null ? random.nextLong() : AtomicRandom.hash(key);
      int pos = Arrays.binarySearch(ring, h & ~INDEX_MASK);
      if (pos < 0) {
        pos = -pos - 1;
      }
      return pos == ring.length ? 0 : pos;
    }

    /** Bounded load: accept while in + 1 <= c × (total + 1) × w_i / W. */
    private boolean withinBound(int i, long inFlight) {
      double bound = Math.ceil(factor * inFlight * weights[i] / totalWeight);
      return endpoints[i].inFlight() + 1 <= bound;
    }
  }
}
