package dev.keel.proxy.config;

import org.jspecify.annotations.Nullable;

/**
 * A route's {@code service}: a fixed name ({@code orders}), or a name taken from the request by one
 * placeholder, optionally with fixed text around it ({@code "{host.0}"}, {@code "{path.0}"}, {@code
 * "{path.1}-api"}):
 *
 * <ul>
 *   <li>{@code {host.N}}: label N (from 0) of the request's host, port and a trailing dot left out,
 *       lower-cased (host names are case-insensitive): {@code orders.svc.local} gives {@code
 *       orders} for {@code {host.0}}. On a {@code tcp} listener, the host is the TLS SNI name.
 *   <li>{@code {path.N}}: segment N (from 0) of the request's path as sent (not decoded, case kept):
 *       {@code /orders/v1/x} gives {@code orders} for {@code {path.0}}.
 * </ul>
 *
 * A label or segment that is absent or empty does not match: the route is passed over and the next
 * one is tried. A name taken from a request must be a {@linkplain #validName valid service name},
 * else the request is refused (400): a request never chooses a registry path such as {@code ..}.
 *
 * <p>Immutable; thread-safe.
 */
public final class ServiceTemplate {
  /** The longest service name a request may name. */
  public static final int MAX_NAME = 128;
  private static final int MAX_INDEX = 15;
  private static final String EXPECTED = "a service name, or one of {host.N}, {path.N} (N = 0.." + MAX_INDEX
      + ") with optional text around it, like \"{host.0}\" or \"{path.0}\"";

  private final String text;
  private final String before;
  private final String after;
  private final @Nullable Source source;
  private final int index;

  /** Where a placeholder takes its value from. */
  public enum Source { HOST, PATH }

  private ServiceTemplate(String text, String before, String after, @Nullable Source source, int index) {
    this.text = text;
    this.before = before;
    this.after = after;
    this.source = source;
    this.index = index;
  }

  /**
   * Parses a fixed name or a template with one placeholder.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static ServiceTemplate parse(String s) {
    String t = s.trim();
    int open = t.indexOf('{');
    int close = t.indexOf('}');
    if (open < 0 && close < 0) {
      if (t.isEmpty()) {
        throw new IllegalArgumentException("service: '" + s + "' (expected: " + EXPECTED + ")");
      }
      return new ServiceTemplate(t, t, "", null, 0);
    }
    if (open < 0 || close < open || t.indexOf('{', open + 1) >= 0 || t.indexOf('}', close + 1) >= 0) {
      throw new IllegalArgumentException("service: '" + s + "' (expected: " + EXPECTED + ")");
    }
    String inner = t.substring(open + 1, close);
    int dot = inner.indexOf('.');
    String kind = dot < 0 ? inner : inner.substring(0, dot);
    Source source = switch (kind) {
      case "host" -> Source.HOST;
      case "path" -> Source.PATH;
      default -> null;
    };
    int index = dot < 0 ? -1 : index(inner.substring(dot + 1));
    String before = t.substring(0, open);
    String after = t.substring(close + 1);
    if (source == null || index < 0 || !literal(before) || !literal(after)) {
      throw new IllegalArgumentException("service: '" + s + "' (expected: " + EXPECTED + ")");
    }
    return new ServiceTemplate(t, before, after, source, index);
  }

  /** {@code name} as a fixed name, whatever characters it has (a listener's {@code service:}). */
  public static ServiceTemplate fixed(String name) {
    return new ServiceTemplate(name, name, "", null, 0);
  }

  private static int index(String digits) {
    if (digits.isEmpty() || digits.length() > 2 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int i = Integer.parseInt(digits);
    return i <= MAX_INDEX ? i : -1;
  }

  private static boolean literal(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!nameChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The fixed name, or null when the name comes from the request. */
  public @Nullable String fixedName() {
    return source == null ? before : null;
  }

  /** Where the placeholder takes its value from; null for a fixed name. */
  public @Nullable Source source() {
    return source;
  }

  /** N of {@code {host.N}} or {@code {path.N}}. */
  public int index() {
    return index;
  }

  /**
   * The name {@code {host.N}} gives for {@code host[0, end)} (no port), lower-cased, with the text
   * around it; null when label N is absent or empty. Not yet checked: see {@link #validName}.
   */
  public @Nullable String fromHost(CharSequence host, int end) {
    if (end > 0 && host.charAt(end - 1) == '.') {
      end--;
    }
    int start = 0;
    for (int label = 0; label < index; label++) {
      while (start < end && host.charAt(start) != '.') {
        start++;
      }
      if (start == end) {
        return null;
      }
      start++;
    }
    int stop = start;
    while (stop < end && host.charAt(stop) != '.') {
      stop++;
    }
    if (stop == start) {
      return null;
    }
    StringBuilder b = new StringBuilder(before.length() + stop - start + after.length()).append(before);
    for (int i = start; i < stop; i++) {
      char c = host.charAt(i);
      // ASCII only: a non-ASCII letter must not fold into an ASCII one (U+212A KELVIN SIGN to 'k')
      b.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return b.append(after).toString();
  }

  /**
   * Where segment N of an origin-form {@code target} starts and ends, as {@code start << 32 | end};
   * -1 when it is absent or empty.
   */
  public long pathSegment(String target) {
    int n = target.length();
    int query = target.indexOf('?');
    int end = query < 0 ? n : query;
    if (end == 0 || target.charAt(0) != '/') {
      return -1;
    }
    int start = 1;
    for (int segment = 0; segment < index; segment++) {
      int slash = target.indexOf('/', start);
      if (slash < 0 || slash >= end) {
        return -1;
      }
      start = slash + 1;
    }
    int stop = target.indexOf('/', start);
    if (stop < 0 || stop > end) {
      stop = end;
    }
    return stop == start ? -1 : ((long) start << 32) | stop;
  }

  /** The name for the segment {@link #pathSegment} found, with the text around it. */
  public String fromPath(String target, long segment) {
    return before + target.substring((int) (segment >>> 32), (int) segment) + after;
  }

  /**
   * True when a request may name {@code name}: 1 to {@value #MAX_NAME} characters, letters, digits,
   * {@code .}, {@code _} and {@code -}, starting with a letter or digit (so never {@code .}, {@code
   * ..}, a path, a percent-encoding or a registry's group separator).
   */
  public static boolean validName(CharSequence name) {
    int n = name.length();
    if (n == 0 || n > MAX_NAME) {
      return false;
    }
    char first = name.charAt(0);
    if (first == '.' || first == '_' || first == '-') {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!nameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean nameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServiceTemplate t && t.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** As configured: {@code orders} or {@code {host.0}}. */
  @Override
  public String toString() {
    return text;
  }
}
