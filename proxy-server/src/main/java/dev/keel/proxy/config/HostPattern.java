package dev.keel.proxy.config;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A route's {@code host} (or {@code sni}) match: an exact name ({@code api.example.com}) or a
 * leading wildcard ({@code *.svc.local}), compared without regard to case. As in nginx's {@code
 * server_name} and Envoy's virtual-host domains, the wildcard stands for one or more whole labels:
 * {@code *.svc.local} matches {@code orders.svc.local} and {@code a.b.svc.local}, never {@code
 * svc.local} itself nor {@code xsvc.local}. A request's port is not part of the match ({@link
 * #hostEnd}), and one trailing dot (the fully qualified form {@code orders.svc.local.}) is ignored.
 *
 * <p>Immutable; {@link #matches} allocates nothing.
 */
public final class HostPattern {
  private static final String EXPECTED = "a host name like api.example.com, or a wildcard like *.example.com";
  private final String text;
  private final boolean wildcard;
  /** Exact: the whole name; wildcard: the suffix with its leading dot ({@code .svc.local}). */
  private final String match;

  private HostPattern(String text, boolean wildcard, String match) {
    this.text = text;
    this.wildcard = wildcard;
    this.match = match;
  }

  /**
   * Parses {@code name} or {@code *.suffix}: labels of letters, digits, {@code -} and {@code _}
   * separated by dots, or a bracketed IPv6 literal; stored lower-cased.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static HostPattern parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith(".") && t.length() > 1) {
      t = t.substring(0, t.length() - 1);
    }
    boolean wildcard = t.startsWith("*.");
    String name = wildcard ? t.substring(2) : t;
    boolean ok = wildcard ? validName(name) : validName(name) || validIpv6(name);
    if (!ok) {
      throw new IllegalArgumentException("host: '" + s + "' (expected: " + EXPECTED + ")");
    }
    return new HostPattern(t, wildcard, wildcard ? "." + name : name);
  }

  private static boolean validName(String name) {
    if (name.isEmpty() || name.length() > 253 || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  private static boolean validIpv6(String name) {
    if (name.length() < 4 || name.charAt(0) != '[' || name.charAt(name.length() - 1) != ']') {
      return false;
    }
    for (int i = 1; i < name.length() - 1; i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  /** True for {@code *.suffix}. */
  public boolean wildcard() {
    return wildcard;
  }

  /**
   * True when {@code host[start, end)} (a host without its port, see {@link #hostEnd}) is this
   * name, or ends in this wildcard's suffix after at least one character; case is ignored, as is
   * one trailing dot.
   */
  public boolean matches(CharSequence host, int start, int end) {
    if (end > start && host.charAt(end - 1) == '.') {
      end--;
    }
    int n = end - start;
    int m = match.length();
    if (wildcard ? n <= m : n != m) {
      return false;
    }
    return sameIgnoringCase(host, end - m, match);
  }

  /** {@link #matches(CharSequence, int, int)} over the whole of {@code host}. */
  public boolean matches(CharSequence host) {
    return matches(host, 0, host.length());
  }

  /** True when {@code s} from {@code at} equals the lower-case {@code lower} ignoring ASCII case. */
  private static boolean sameIgnoringCase(CharSequence s, int at, String lower) {
    for (int i = 0; i < lower.length(); i++) {
      char c = s.charAt(at + i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + ('a' - 'A'));
      }
      if (c != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Where the host of a {@code Host} value (or an authority) ends: before {@code :port}, after the
   * {@code ]} of an IPv6 literal.
   */
  public static int hostEnd(CharSequence authority) {
    int n = authority.length();
    if (n > 0 && authority.charAt(0) == '[') {
      for (int i = 1; i < n; i++) {
        if (authority.charAt(i) == ']') {
          return i + 1;
        }
      }
      return n;
    }
    for (int i = 0; i < n; i++) {
      if (authority.charAt(i) == ':') {
        return i;
      }
    }
    return n;
  }

  /** The host of {@code authority} without its port, or null when there is none. */
  public static @Nullable String host(@Nullable CharSequence authority) {
    if (authority == null) {
      return null;
    }
    int end = hostEnd(authority);
    return end == 0 ? null : authority.subSequence(0, end).toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof HostPattern h && h.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** As configured, lower-cased: {@code api.example.com} or {@code *.svc.local}. */
  @Override
  public String toString() {
    return text;
  }
}
