package dev.keel.proxy.config;

import java.time.Duration;
import java.util.Locale;

/** Parses durations ({@code 250ms 5s 1m 2h}) and sizes ({@code 8192 8k 8KiB 1m 1g}). */
public final class Units {
  private Units() {}

  /**
   * A duration such as {@code 250ms}, {@code 1.5s}, {@code 2m}.
   *
   * @throws IllegalArgumentException when {@code s} is not a non-negative duration with a unit
   */
  public static Duration duration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
      i++;
    }
    if (i == 0 || i == t.length()) {
      throw new IllegalArgumentException("duration: '" + s + "'");
    }
    double n = Double.parseDouble(t.substring(0, i));
    String unit = t.substring(i).trim();
    double millis;
    switch (unit) {
      case "ms": millis = n; break;
      case "s": millis = n * 1000; break;
      case "m": millis = n * 60_000; break;
      case "h": millis = n * 3_600_000; break;
      default: throw new IllegalArgumentException("duration unit: '" + unit + "'");
    }
    return Duration.ofNanos((long) (millis * 1_000_000));
  }

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
