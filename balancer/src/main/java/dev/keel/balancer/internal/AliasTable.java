package dev.keel.balancer.internal;

/**
 * Walker's alias method (Vose's construction): weighted sampling in O(1) from one random long.
 * Column i is chosen uniformly; it keeps i with probability {@code keep[i] / 2^31}, else gives
 * {@code alias[i]}. Built in O(n); immutable.
 */
final class AliasTable {
  private static final double SCALE = 0x1p31;

  private final int n;
  private final int[] keep;
  private final int[] alias;

  AliasTable(int[] weights) {
    n = weights.length;
    keep = new int[n];
    alias = new int[n];
    double total = 0;
    for (int w : weights) {
      total += w;
    }
    // Scale so the mean is 1; columns below 1 are "small" and get topped up from "large" ones.
    double[] p = new double[n];
    int[] small = new int[n];
    int[] large = new int[n];
    int s = 0;
    int l = 0;
    for (int i = 0; i < n; i++) {
      p[i] = weights[i] * n / total;
      if (p[i] < 1.0) {
        small[s++] = i;
      } else {
        large[l++] = i;
      }
    }
    while (s > 0 && l > 0) {
      int lo = small[--s];
      int hi = large[--l];
      keep[lo] = (int) Math.min(SCALE - 1, p[lo] * SCALE);
      alias[lo] = hi;
      p[hi] = (p[hi] + p[lo]) - 1.0;
      if (p[hi] < 1.0) {
        small[s++] = hi;
      } else {
        large[l++] = hi;
      }
    }
    // Leftovers are 1 up to rounding error: they keep themselves.
    while (l > 0) {
      int i = large[--l];
      keep[i] = Integer.MAX_VALUE;
      alias[i] = i;
    }
    while (s > 0) {
      int i = small[--s];
      keep[i] = Integer.MAX_VALUE;
      alias[i] = i;
    }
  }

  /** An index drawn with probability proportional to its weight, from one random long. */
  int sample(long r) {
    int column = (int) (((r >>> 32) * n) >>> 32); // high 32 bits choose the column
    return ((int) r & Integer.MAX_VALUE) < keep[column] ? column : alias[column]; // low 31 bits the coin
  }
}
