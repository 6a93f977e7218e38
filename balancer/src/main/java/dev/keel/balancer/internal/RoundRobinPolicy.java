package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import java.util.Collection;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * {@code round-robin}: smooth weighted round robin from a precomputed schedule.
 *
 * <p>The weights are divided by their gcd; one period of the schedule holds endpoint i exactly
 * w_i times out of W = Σw. The order is earliest-deadline-first: the k-th pick of endpoint i is due
 * at k / w_i, and the period lists all due times up to 1 in order (ties by index). That interleaves
 * heavy and light endpoints (weights 3,2,5 give C A C B C A C A B C) instead of bursting them.
 * Picking is one atomic increment and an array read: no lock, no per-pick O(n) scan (the locked EDF
 * scheduler gRPC replaced, grpc-java#10180). When W exceeds {@link #MAX_PERIOD} (say, slow-start
 * weights with gcd 1 over many endpoints) the weights are scaled down to fit, each keeping at least
 * one slot.
 *
 * <p>With exclusion (a retry) the picker takes the next slots of the shared sequence until one is
 * not excluded: the retry takes the turn the next request would have had, so the excluded
 * endpoints lose turns and the others keep their proportions. At most {@link #MAX_SKIPS} slots;
 * beyond that the balancer's weighted fallback decides.
 */
public final class RoundRobinPolicy implements BalancingPolicy {
  static final int MAX_PERIOD = 1 << 16;
  static final int MAX_SKIPS = 16;

  @Override
  public String name() {
    return Policies.ROUND_ROBIN;
  }

  @Override
  public Picker newPicker(Candidates c) {
    Endpoint[] endpoints = c.endpoints().toArray(new Endpoint[0]);
    // The counter starts at a random point so that many balancers do not march in step.
    AtomicInteger counter = new AtomicInteger((int) c.seed());
    if (c.equalWeights()) {
      return new Schedule(endpoints, counter);
    }
    return new Schedule(schedule(endpoints, c.weights()), counter);
  }

  static Endpoint[] schedule(Endpoint[] endpoints, int[] weights) {
    int n = endpoints.length;
    long[] w = new long[n];
    long g = 0;
    for (int i = 0; i < n; i++) {
      g = gcd(g, weights[i]);
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
      w[i] = weights[i] / g;
      total += w[i];
    }
    long limit = Math.max(MAX_PERIOD, 4L * n);
    if (total > limit) {
      long reduced = total;
      total = 0;
      for (int i = 0; i < n; i++) {
        w[i] = Math.max(1, Math.round((double) w[i] * limit / reduced));
        total += w[i];
      }
    }
    // Earliest deadline first; slot = {deadline numerator k, index i}, deadline k / w[i].
    PriorityQueue<long[]> due = new PriorityQueue<>(n, (a, b) -> {
      int cmp = Long.compare(a[0] * w[(int) b[1]], b[0] * w[(int) a[1]]);
      return cmp != 0 ? cmp : Long.compare(a[1], b[1]);
    });
    for (int i = 0; i < n; i++) {
      due.add(new long[] {1, i});
    }
    Endpoint[] out = new Endpoint[(int) total];
    for (int s = 0; s < out.length; s++) {
      long[] slot = due.poll();
      int i = (int) slot[1];
      out[s] = endpoints[i];
      if (slot[0] < w[i]) {
        slot[0]++;
        due.add(slot);
      }
    }
    return out;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private record Schedule(Endpoint[] slots, AtomicInteger counter) implements Picker {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      // & MAX_VALUE keeps the index non-negative when the counter wraps (never Math.abs).
      return slots[(counter.getAndIncrement() & Integer.MAX_VALUE) % slots.length];
    }

    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
      for (int i = 0, n = Math.min(slots.length, MAX_SKIPS); i < n; i++) {
        Endpoint e = slots[(counter.getAndIncrement() & Integer.MAX_VALUE) % slots.length];
        if (!exclude.contains(e)) {
          return e;
        }
      }
      return null;
    }
  }
}
