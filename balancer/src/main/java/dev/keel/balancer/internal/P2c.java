package dev.keel.balancer.internal;

import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/** Draws two distinct candidate indices for power-of-two-choices policies, packed in one long. */
final class P2c {
  /** Draws per choice when picking with exclusion, before giving up to the balancer's fallback. */
  static final int MAX_DRAWS = 8;

  /** A policy's comparison of two choices: the one to send the request to. */
  interface Rule {
    Endpoint better(Endpoint x, Endpoint y);
  }

  private final int n;
  private final AtomicRandom random;
  private final @Nullable AliasTable weighted;

  private P2c(int n, AtomicRandom random, @Nullable AliasTable weighted) {
    this.n = n;
    this.random = random;
    this.weighted = weighted;
  }

  /**
   * The picker of a power-of-two-choices policy: two distinct candidates drawn (by weight), and
   * {@code rule} chooses between them; with exclusion, see {@link #pick}.
   */
  static Picker picker(Candidates c, Rule rule) {
    Endpoint[] endpoints = c.endpoints().toArray(new Endpoint[0]);
    if (endpoints.length == 1) {
      Endpoint only = endpoints[0];
      return key -> only;
    }
    return new P2cPicker(endpoints, of(c), rule);
  }

  private record P2cPicker(Endpoint[] endpoints, P2c choose, Rule rule) implements Picker {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      long pair = choose.pair();
      return rule.better(endpoints[(int) (pair >>> 32)], endpoints[(int) pair]);
    }

    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
      return choose.pick(endpoints, exclude, rule);
    }
  }

  static P2c of(Candidates c) {
    return new P2c(c.size(), new AtomicRandom(c.seed()), c.equalWeights() ? null : new AliasTable(c.weights()));
  }

  /**
   * P2C over the candidates not in {@code exclude}: each of the two choices is drawn (by weight)
   * until it is neither excluded nor the other, at most {@link #MAX_DRAWS} times, which is exact
   * rejection sampling from the reduced set. Null when no first choice turns up; the first choice
   * alone when no second one does (say, it is the only one left).
   */
  @Nullable Endpoint pick(Endpoint[] endpoints, Collection<? extends Endpoint> exclude, Rule rule) {
    int a = draw(endpoints, exclude, -1);
    if (a < 0) {
      return null;
    }
    int b = draw(endpoints, exclude, a);
    return b < 0 ? endpoints[a] : rule.better(endpoints[a], endpoints[b]);
  }

  private int draw(Endpoint[] endpoints, Collection<? extends Endpoint> exclude, int other) {
    for (int i = 0; i < MAX_DRAWS; i++) {
      long r = random.nextLong();
      int k = weighted == null ? (int) (((r >>> 32) * n) >>> 32) : weighted.sample(r);
      if (k != other && !exclude.contains(endpoints[k])) {
        return k;
      }
    }
    return -1;
  }

  /** Two distinct indices, a in the high and b in the low 32 bits; needs n ≥ 2. */
  long pair() {
    int a;
    int b;
    if (weighted == null) {
      // Uniform: b is drawn from the other n − 1 indices, so a != b without retrying.
      long r = random.nextLong();
      a = (int) (((r >>> 32) * n) >>> 32);
      b = (int) (((r & 0xFFFFFFFFL) * (n - 1)) >>> 32);
      if (b >= a) {
        b++;
      }
    } else {
      a = weighted.sample(random.nextLong());
      b = weighted.sample(random.nextLong());
      if (a == b) {
        b = b + 1 == n ? 0 : b + 1; // rare for many endpoints; a deterministic neighbour keeps it O(1)
      }
    }
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }
}
