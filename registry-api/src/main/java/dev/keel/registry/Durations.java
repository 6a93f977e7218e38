package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The one duration grammar of Keel: registry URI parameters, keel-proxy's YAML config and the
 * demo's command line all read durations through {@link #parse}, so a value that works in one
 * works in the others.
 *
 * <p>Grammar: one or more groups of a decimal number and a unit, {@code ns us ms s m h d}
 * (case-insensitive, spaces allowed between groups and before a unit: {@code 500ms}, {@code 1.5s},
 * {@code 1h30m}, {@code 1d}); a bare {@code 0}; or ISO-8601 ({@code PT5S}, {@code P1D}). Digits are
 * ASCII. Never negative. At most {@link #MAX} (about 292 years, the most a {@code long} of
 * nanoseconds holds, since timers take nanoseconds): anything larger is refused, never wrapped or
 * clamped. A fraction finer than a nanosecond is refused rather than rounded.
 *
 * <p>Errors read {@code field: 'text' (expected: ...)}, with the text as it was typed.
 */
public final class Durations {
  /** The largest duration accepted, 106751 days: about what a {@code long} of nanoseconds holds. */
  public static final Duration MAX = Duration.ofDays(106_751);
  /** What an error message says a duration looks like. */
  public static final String EXAMPLES = "a duration such as 500ms, 5s, 1m, 1h30m, 1d or PT5S";

  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(MAX.toNanos());
  /** More integer digits than any accepted value has in nanoseconds: refused before any arithmetic. */
  private static final int MAX_DIGITS = 24;

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @param field named at the start of the error message
   * @throws IllegalArgumentException {@code field: 'text' (expected: ...)}
   */
  public static Duration parse(String field, String text) {
    requireNonNull(field, "field");
    requireNonNull(text, "text");
    String t = trim(text);
    BigDecimal nanos;
    try {
      nanos = t.startsWith("P") || t.startsWith("p") ? iso(t) : groups(t);
    } catch (Refused e) {
      throw new IllegalArgumentException(field + ": '" + ServiceInstance.Validation.printable(text)
          + "' (expected: " + e.getMessage() + ")");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  /**
   * {@code d} the way an operator writes it, in the largest unit that holds it whole: {@code 0s},
   * {@code 500ms}, {@code 90s}, {@code 5m}, {@code 1d}. {@link #parse} reads it back to {@code d}.
   */
  public static String format(Duration d) {
    requireNonNull(d, "d");
    if (d.isZero()) {
      return "0s";
    }
    long[] sizes = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    String[] units = {"d", "h", "m", "s", "ms", "us", "ns"};
    BigInteger n = BigInteger.valueOf(d.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000L)).add(BigInteger.valueOf(d.getNano()));
    for (int i = 0; i < sizes.length; i++) {
      BigInteger[] qr = n.divideAndRemainder(BigInteger.valueOf(sizes[i]));
      if (qr[1].signum() == 0) {
        return qr[0] + units[i];
      }
    }
    throw new AssertionError("every duration is a whole number of nanoseconds");
  }

  private static String trim(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
      b--;
    }
    return s.substring(a, b);
  }

  private static BigDecimal iso(String t) throws Refused {
    if (t.indexOf('-') >= 0 || t.indexOf('+') >= 0) {
      throw new Refused("not negative");
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c > 0x7f || Character.isWhitespace(c)) {
        throw new Refused(EXAMPLES);
      }
    }
    Duration d;
    try {
      d = Duration.parse(t.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new Refused(EXAMPLES);
    }
    return bounded(new BigDecimal(d.getSeconds()).movePointRight(9).add(BigDecimal.valueOf(d.getNano())));
  }

  private static BigDecimal groups(String t) throws Refused {
    if (t.isEmpty()) {
      throw new Refused(EXAMPLES);
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    int n = t.length();
    while (i < n) {
      int start = i;
      while (i < n && isDigit(t.charAt(i))) {
        i++;
      }
      if (i == start) {
        throw new Refused(EXAMPLES);
      }
      if (i < n && t.charAt(i) == '.') {
        int fraction = ++i;
        while (i < n && isDigit(t.charAt(i))) {
          i++;
        }
        if (i == fraction) {
          throw new Refused(EXAMPLES);
        }
      }
      if (i - start > MAX_DIGITS) {
        throw new Refused("at most " + format(MAX));
      }
      BigDecimal number = new BigDecimal(t.substring(start, i));
      i = skipSpaces(t, i);
      int unitStart = i;
      while (i < n && isLetter(t.charAt(i))) {
        i++;
      }
      if (unitStart == i) {
        if (unitStart == n && start == 0 && number.signum() == 0) {
          return BigDecimal.ZERO; // a bare 0 is unambiguous
        }
        throw new Refused(EXAMPLES + "; a number needs a unit");
      }
      long unit = unitNanos(t.substring(unitStart, i).toLowerCase(Locale.ROOT));
      total = total.add(number.multiply(BigDecimal.valueOf(unit)));
      i = skipSpaces(t, i);
    }
    return bounded(total);
  }

  private static BigDecimal bounded(BigDecimal nanos) throws Refused {
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw new Refused("at most " + format(MAX));
    }
    try {
      return new BigDecimal(nanos.toBigIntegerExact());
    } catch (ArithmeticException e) {
      throw new Refused("whole nanoseconds");
    }
  }

  private static long unitNanos(String unit) throws Refused {
    switch (unit) {
      case "ns": return 1L;
      case "us": return 1_000L;
      case "ms": return 1_000_000L;
      case "s": return 1_000_000_000L;
      case "m": return 60_000_000_000L;
      case "h": return 3_600_000_000_000L;
      case "d": return 86_400_000_000_000L;
      default: throw new Refused(EXAMPLES + "; units: ns, us, ms, s, m, h, d");
    }
  }

  private static int skipSpaces(String t, int i) {
    while (i < t.length() && (t.charAt(i) == ' ' || t.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** Why a text is refused: the "expected" part of the message. */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String expected) {
      super(expected, null, false, false);
    }
  }
}
