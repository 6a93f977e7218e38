package dev.keel.balancer.internal;

import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import org.jspecify.annotations.Nullable;

/** Draws two distinct candidate indices for power-of-two-choices policies, packed in one long. */
final class P2c {
  private final int n;
  private final AtomicRandom random;
  private final @Nullable AliasTable weighted;

  private P2c(int n, AtomicRandom random, @Nullable AliasTable weighted) {
    this.n = n;
    this.random = random;
    this.weighted = weighted;
  }

  static P2c of(Candidates c) {
    return new P2c(c.size(), new AtomicRandom(c.seed()), c.equalWeights() ? null : new AliasTable(c.weights()));
  }

  static EndpointState[] endpoints(Candidates c) {
    EndpointState[] out = new EndpointState[c.size()];
    for (int i = 0; i < out.length; i++) {
      Endpoint e = c.endpoint(i);
      if (!(e instanceof EndpointState)) {
        throw new IllegalArgumentException("candidates: " + e + " (expected: a balancer's endpoint)");
      }
      out[i] = (EndpointState) e;
    }
    return out;
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
