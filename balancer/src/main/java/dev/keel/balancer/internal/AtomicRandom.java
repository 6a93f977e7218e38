package dev.keel.balancer.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free, allocation-free random sequence shared by threads: SplitMix64 (Steele, Lea, Flood
 * 2014) whose state advances with one atomic add. Seeded, so a single-threaded run is repeatable.
 */
public final class AtomicRandom {
  private static final long GAMMA = 0x9e3779b97f4a7c15L;

  private final AtomicLong state;

  public AtomicRandom(long seed) {
    state = new AtomicLong(seed);
  }

  public long nextLong() {
    return mix64(state.addAndGet(GAMMA));
  }

  /**
   * Uniform in [0, bound): the high 32 random bits times bound, shifted down (Lemire's multiply
   * method without the rejection step; the bias is below bound / 2^32, negligible here).
   */
  public int nextInt(int bound) {
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }

  /** Uniform in [0, 1), 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** The SplitMix64 / MurmurHash3 finaliser: every input bit affects every output bit. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** FNV-1a over the UTF-16 chars of {@code s}, then {@link #mix64}; stable across processes. */
  public static long hash(CharSequence s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0, n = s.length(); i < n; i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix64(h);
  }
}
