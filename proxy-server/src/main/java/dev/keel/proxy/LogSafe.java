package dev.keel.proxy;

import org.jspecify.annotations.Nullable;

/**
 * Untrusted text (request fields, decoder errors that quote request bytes, values from a config or
 * a registry) made safe for a log line: every control character (C0, DEL, C1), line and paragraph
 * separator and bidirectional override is written as an escape ({@code \x0a}, {@code \u202e}), a
 * backslash as {@code \\}, and the text is cut at {@link #MAX} characters. A client can then neither
 * start a forged log line, nor hide or reorder text on a terminal, nor flood the log with one
 * field. Static, thread-safe.
 */
public final class LogSafe {
  /** Characters kept of one value; the rest is replaced by a count. */
  public static final int MAX = 512;

  private LogSafe() {}

  /** {@code s} escaped and cut; {@code "null"} for null. */
  public static String escape(@Nullable CharSequence s) {
    if (s == null) {
      return "null";
    }
    int n = Math.min(s.length(), MAX);
    StringBuilder b = null;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (needsEscape(c)) {
        if (b == null) {
          b = new StringBuilder(n + 16).append(s, 0, i);
        }
        if (c == '\\') {
          b.append("\\\\");
        } else if (c < 0x100) {
          b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
        } else {
          b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    String out = b == null ? s.subSequence(0, n).toString() : b.toString();
    return s.length() > MAX ? out + "...(" + (s.length() - MAX) + " more)" : out;
  }

  /**
   * {@code value} escaped when (and only when) a log line is written with it: for debug lines on
   * paths a client can trigger at will, where escaping eagerly would cost even with debug off.
   */
  public static Object lazy(@Nullable Object value) {
    return new Object() {
      @Override
      public String toString() {
        return escape(value == null ? null : value.toString());
      }
    };
  }

  private static boolean needsEscape(char c) {
    return c < 0x20 || c == '\\' || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
        || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f';
  }
}
