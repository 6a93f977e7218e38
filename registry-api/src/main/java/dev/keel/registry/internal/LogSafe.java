package dev.keel.registry.internal;

import org.jspecify.annotations.Nullable;

/**
 * Makes untrusted text (instance metadata, registry keys and values, server messages; in keel-proxy,
 * what clients send and what a config holds) safe to put in a log line: control characters, line and paragraph separators and bidirectional overrides become
 * {@code \\uXXXX}, so an entry cannot forge log lines or hide text from the person reading them;
 * and the text is cut at {@value #MAX_CHARS} characters, so one entry cannot flood the log. Not public
 * API.
 */
public final class LogSafe {
  /** Longest text kept whole; the rest is replaced by a count of what was cut. */
  public static final int MAX_CHARS = 200;

  private LogSafe() {}

  /** {@code text} escaped and bounded; {@code "null"} for null. */
  public static String escape(@Nullable CharSequence text) {
    return escape(text, MAX_CHARS);
  }

  /**
   * {@code text} escaped and cut at {@code maxChars}: for longer text that is still not a
   * client's to choose, such as a config error naming a file path, a line and what was expected.
   */
  public static String escape(@Nullable CharSequence text, int maxChars) {
    if (text == null) {
      return "null";
    }
    int n = text.length();
    StringBuilder b = null;
    int limit = Math.min(n, maxChars);
    for (int i = 0; i < limit; i++) {
      char c = text.charAt(i);
      if (unsafe(c)) {
        if (b == null) {
          b = new StringBuilder(limit + 16).append(text, 0, i);
        }
        b.append(String.format("\\u%04x", (int) c));
      } else if (b != null) {
        b.append(c);
      }
    }
    if (b == null && n <= maxChars) {
      return text.toString();
    }
    if (b == null) {
      b = new StringBuilder(limit + 16).append(text, 0, limit);
    }
    if (n > maxChars) {
      b.append("...(").append(n - maxChars).append(" more chars)");
    }
    return b.toString();
  }

  /**
   * {@code value} escaped when (and only when) a log line is written with it: for debug lines on
   * paths a client or a registry can trigger at will, where escaping eagerly would cost even with
   * debug off.
   */
  public static Object lazy(@Nullable Object value) {
    return new Object() {
      @Override
      public String toString() {
        return escape(value == null ? null : value.toString());
      }
    };
  }

  /** {@code text} escaped and in single quotes, the way messages quote values. */
  public static String quote(@Nullable CharSequence text) {
    return "'" + escape(text) + "'";
  }

  private static boolean unsafe(char c) {
    return Character.isISOControl(c)
        || c == '\u2028' || c == '\u2029' // line and paragraph separators
        || c == '\u200e' || c == '\u200f' || c == '\u061c' // direction marks
        || (c >= '\u202a' && c <= '\u202e') // embeddings and overrides
        || (c >= '\u2066' && c <= '\u2069'); // isolates
  }
}
