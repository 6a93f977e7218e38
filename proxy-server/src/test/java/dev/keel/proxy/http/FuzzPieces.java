package dev.keel.proxy.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.Arrays;

/**
 * How the decoder fuzz targets cut their input: the number of pieces and the cut points come from
 * the fuzzer first (so a seed file means the same in every target), the bytes are the rest, and a
 * decoder is fed the pieces in order, as reads of one connection would bring them.
 */
final class FuzzPieces {
  private FuzzPieces() {}

  /** 0 to 7 cut points, each 0..4096, read from {@code data} before its remaining bytes. */
  static int[] cuts(FuzzedDataProvider data) {
    int[] cuts = new int[data.consumeInt(1, 8) - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = data.consumeInt(0, 4096);
    }
    return cuts;
  }

  /**
   * The end of each piece of {@code length} bytes cut at {@code cuts} (sorted, clamped to the
   * length, none before the one before it): piece {@code i} is [ends[i - 1] or 0, ends[i]). The
   * last end is {@code length}.
   */
  static int[] ends(int length, int[] cuts) {
    int[] sorted = cuts.clone();
    Arrays.sort(sorted);
    int[] ends = new int[sorted.length + 1];
    int from = 0;
    for (int i = 0; i < sorted.length; i++) {
      from = Math.min(length, Math.max(from, sorted[i]));
      ends[i] = from;
    }
    ends[sorted.length] = length;
    return ends;
  }
}
