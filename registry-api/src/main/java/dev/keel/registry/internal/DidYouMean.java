package dev.keel.registry.internal;

import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * "Did you mean": the closest candidate within a small edit distance, for error messages about a
 * misspelt name (a config key, a registry URI scheme or parameter). Shared by registry-api and
 * keel-proxy's config loader so that both suggest alike.
 */
public final class DidYouMean {
  private DidYouMean() {}

  /**
   * The candidate closest to {@code word}, ignoring case, when it is at most one edit per four
   * characters away (at least one): {@code tmeouts} → {@code timeouts}, {@code ectd} → {@code etcd},
   * not {@code a} → {@code tls}. Null when none is that close.
   */
  public static @Nullable String closest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String w = word.toLowerCase(Locale.ROOT);
    for (String c : candidates) {
      int d = distance(w, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    int allowed = Math.max(1, word.length() / 4);
    return bestDistance <= allowed ? best : null;
  }

  /** {@code ; did you mean 'x'?} for the closest candidate, or "" when none is close. */
  public static String suffix(String word, Collection<String> candidates) {
    String near = closest(word, candidates);
    return near == null ? "" : "; did you mean '" + near + "'?";
  }

  /**
   * Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours
   * as one edit (optimal string alignment): a swap is the commonest typo, {@code ectd}.
   */
  static int distance(String a, String b) {
    int[] before = new int[b.length() + 1];
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          cur[j] = Math.min(cur[j], before[j - 2] + 1);
        }
      }
      int[] t = before;
      before = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
