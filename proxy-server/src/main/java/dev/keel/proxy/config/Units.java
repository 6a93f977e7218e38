package dev.keel.proxy.config;

import java.util.Locale;

/**
 * Parses sizes ({@code 8192 8k 8KiB 1m 1g}). Durations have one grammar for the whole project:
 * {@link dev.keel.registry.Durations}.
 */
public final class Units {
  private Units() {}

  /**
   * A size in bytes such as {@code 512}, {@code 64k} or {@code 10mb} (binary multiples).
   *
   * @throws IllegalArgumentException when {@code s} is not a non-negative size
   */
  public static long size(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < t.length() && Character.isDigit(t.charAt(i))) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("size: '" + s + "'");
    }
    long n = Long.parseLong(t.substring(0, i));
    String unit = t.substring(i).trim();
    switch (unit) {
      case "": case "b": return n;
      case "k": case "kb": case "kib": return Math.multiplyExact(n, 1024L);
      case "m": case "mb": case "mib": return Math.multiplyExact(n, 1024L * 1024);
      case "g": case "gb": case "gib": return Math.multiplyExact(n, 1024L * 1024 * 1024);
      default: throw new IllegalArgumentException("size unit: '" + unit + "'");
    }
  }
}
