package dev.keel.proxy.config;

import org.jspecify.annotations.Nullable;

/**
 * A route's {@code path-prefix}, matched segment by segment: {@code /api} matches {@code /api},
 * {@code /api/}, {@code /api/orders} and {@code /api?q=1}, never {@code /apix} (the classic prefix
 * bug: nginx's {@code location /api} and Envoy's {@code prefix} match it; Spring Cloud Gateway's
 * {@code /api/**} and Envoy's {@code path_separated_prefix} do not). A trailing slash changes
 * nothing ({@code /api/} is {@code /api}); {@code /} matches every path. The comparison is on the
 * path as the client sent it: case-sensitive (RFC 3986 §6.2.2.1), not percent-decoded.
 *
 * <p>Immutable; {@link #match} allocates nothing.
 */
public final class PathPrefix {
  private static final String EXPECTED = "a path starting with / like /api or /orders/v1, without ?, #, "
      + "empty, . or .. segments";
  /** Without a trailing slash; empty for the root. */
  private final String prefix;

  private PathPrefix(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Parses a prefix: {@code /} followed by segments of RFC 3986 path characters.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static PathPrefix parse(String s) {
    String t = s.trim();
    if (!t.startsWith("/")) {
      throw new IllegalArgumentException("path-prefix: '" + s + "' (expected: " + EXPECTED + ")");
    }
    String p = t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    int segmentStart = 1;
    for (int i = 1; i <= p.length(); i++) {
      if (i == p.length() || p.charAt(i) == '/') {
        String segment = p.substring(segmentStart, i);
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw new IllegalArgumentException("path-prefix: '" + s + "' (expected: " + EXPECTED + ")");
        }
        segmentStart = i + 1;
      } else if (!pathChar(p.charAt(i))) {
        throw new IllegalArgumentException("path-prefix: '" + s + "' (expected: " + EXPECTED + ")");
      }
    }
    return new PathPrefix(p);
  }

  /** RFC 3986 pchar: unreserved, pct-encoded (its '%'), sub-delims, ':' and '@'. */
  static boolean pathChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "-._~%!$&'()*+,;=:@".indexOf(c) >= 0;
  }

  /** True for {@code /}, which matches every path. */
  public boolean root() {
    return prefix.isEmpty();
  }

  /**
   * How many characters of {@code target} (an origin-form request target, query included) the
   * prefix covers, which {@code strip-prefix} removes; -1 when it does not match.
   */
  public int match(String target) {
    int n = prefix.length();
    if (n == 0) {
      return target.startsWith("/") ? 0 : -1;
    }
    if (!target.startsWith(prefix)) {
      return -1;
    }
    if (target.length() == n) {
      return n;
    }
    char next = target.charAt(n);
    return next == '/' || next == '?' ? n : -1;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PathPrefix p && p.prefix.equals(prefix);
  }

  @Override
  public int hashCode() {
    return prefix.hashCode();
  }

  /** As matched: {@code /api}, or {@code /} for the root. */
  @Override
  public String toString() {
    return prefix.isEmpty() ? "/" : prefix;
  }
}
