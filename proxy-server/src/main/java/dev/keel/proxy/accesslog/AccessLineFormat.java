package dev.keel.proxy.accesslog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Formats an {@link AccessEntry} as one line (without its line end). Every field a client chose
 * (method, target, headers) is escaped so that a line is always one line of printable ASCII: no
 * client can forge a line, break a JSON parser, or send control sequences to a terminal. Long
 * fields are cut at {@value #MAX_FIELD_CHARS} characters, with a count of what was cut. Stateless;
 * thread-safe.
 */
public final class AccessLineFormat {
  /** Longest client-chosen field kept whole. */
  static final int MAX_FIELD_CHARS = 2048;
  private static final DateTimeFormatter COMBINED_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AccessLineFormat() {}

  /** {@code e} in {@code format}. */
  public static String format(AccessLogConfig.Format format, AccessEntry e) {
    return format == AccessLogConfig.Format.JSON ? json(e) : combined(e);
  }

  /** One JSON object; absent values are {@code null}; only ASCII, non-ASCII escaped as {@code \\uXXXX}. */
  public static String json(AccessEntry e) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"time\":\"").append(Instant.ofEpochMilli(e.epochMillis())).append('"');
    b.append(",\"client\":");
    jsonString(b, e.client());
    b.append(",\"method\":");
    jsonString(b, e.method());
    b.append(",\"path\":");
    jsonString(b, e.target());
    b.append(",\"protocol\":");
    jsonString(b, e.protocol());
    b.append(",\"status\":").append(e.status());
    b.append(",\"bytes_sent\":").append(e.bytesSent());
    b.append(",\"duration_ms\":");
    millis(b, e.durationNanos());
    b.append(",\"upstream_id\":");
    jsonString(b, e.upstreamId());
    b.append(",\"upstream_address\":");
    jsonString(b, e.upstreamAddress());
    b.append(",\"attempts\":").append(e.attempts());
    b.append(",\"route\":");
    jsonString(b, e.route());
    b.append(",\"service\":");
    jsonString(b, e.service());
    b.append(",\"error\":");
    jsonString(b, e.error());
    b.append(",\"referer\":");
    jsonString(b, e.referer());
    b.append(",\"user_agent\":");
    jsonString(b, e.userAgent());
    return b.append('}').toString();
  }

  /**
   * The combined format ({@code client - - [time] "request" status bytes "referer" "agent"}) followed
   * by {@code key=value} fields of the proxy: {@code rt} (seconds), {@code upstream}, {@code attempts},
   * {@code route}, {@code service}, {@code error}. Absent values are {@code -}. Quoted fields escape
   * {@code "}, {@code \\}, control and non-ASCII characters as {@code \\xHH} (as nginx does), or
   * {@code \\uHHHH} above U+00FF.
   */
  public static String combined(AccessEntry e) {
    StringBuilder b = new StringBuilder(256);
    bare(b, e.client());
    b.append(" - - [").append(COMBINED_TIME.format(Instant.ofEpochMilli(e.epochMillis()))).append("] \"");
    quoted(b, e.method());
    b.append(' ');
    quoted(b, e.target());
    b.append(' ');
    quoted(b, e.protocol());
    b.append("\" ").append(e.status()).append(' ').append(e.bytesSent()).append(" \"");
    quotedOrDash(b, e.referer());
    b.append("\" \"");
    quotedOrDash(b, e.userAgent());
    b.append("\" rt=");
    long micros = e.durationNanos() / 1_000;
    b.append(micros / 1_000_000).append('.');
    pad(b, micros % 1_000_000, 6);
    b.append(" upstream=");
    String id = e.upstreamId();
    String address = e.upstreamAddress();
    if (id == null && address == null) {
      b.append('-');
    } else {
      b.append('"');
      quoted(b, id == null ? "" : id);
      b.append('@');
      quoted(b, address == null ? "" : address);
      b.append('"');
    }
    b.append(" attempts=").append(e.attempts());
    b.append(" route=");
    bare(b, e.route());
    b.append(" service=");
    bare(b, e.service());
    b.append(" error=");
    bare(b, e.error());
    return b.toString();
  }

  private static void millis(StringBuilder b, long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    b.append(micros / 1_000).append('.');
    pad(b, micros % 1_000, 3);
  }

  private static void pad(StringBuilder b, long value, int digits) {
    String s = Long.toString(value);
    for (int i = s.length(); i < digits; i++) {
      b.append('0');
    }
    b.append(s);
  }

  private static void jsonString(StringBuilder b, @Nullable String s) {
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    int n = Math.min(s.length(), MAX_FIELD_CHARS);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        unicodeEscape(b, c);
      }
    }
    cut(b, s.length());
    b.append('"');
  }

  /** A combined-format field that is not quoted: {@code -} when absent, any space or quote escaped too. */
  private static void bare(StringBuilder b, @Nullable String s) {
    if (s == null || s.isEmpty()) {
      b.append('-');
      return;
    }
    int n = Math.min(s.length(), MAX_FIELD_CHARS);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ' ') {
        b.append("\\x20");
      } else {
        escapeCombined(b, c);
      }
    }
    cut(b, s.length());
  }

  private static void quotedOrDash(StringBuilder b, @Nullable String s) {
    if (s == null) {
      b.append('-');
    } else {
      quoted(b, s);
    }
  }

  /** Text inside a quoted combined-format field. */
  private static void quoted(StringBuilder b, String s) {
    int n = Math.min(s.length(), MAX_FIELD_CHARS);
    for (int i = 0; i < n; i++) {
      escapeCombined(b, s.charAt(i));
    }
    cut(b, s.length());
  }

  private static void escapeCombined(StringBuilder b, char c) {
    if (c == '"' || c == '\\' || c < 0x20 || (c >= 0x7f && c <= 0xff)) {
      b.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    } else if (c > 0xff) {
      unicodeEscape(b, c);
    } else {
      b.append(c);
    }
  }

  private static void unicodeEscape(StringBuilder b, char c) {
    b.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }

  private static void cut(StringBuilder b, int length) {
    if (length > MAX_FIELD_CHARS) {
      b.append("...(").append(length - MAX_FIELD_CHARS).append(" more)");
    }
  }
}
