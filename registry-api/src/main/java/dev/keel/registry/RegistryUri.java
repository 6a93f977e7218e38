package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.internal.DidYouMean;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A parsed registry URI: {@code scheme://[user[:password]@]host[:port][,host[:port]...][/path][?k=v&...]}.
 *
 * <p>Parsed by hand rather than with {@link java.net.URI}, which rejects lists of hosts. Errors
 * name the part that is wrong. {@link #toString()} never shows the password.
 */
public final class RegistryUri {
  /** Query parameters that {@link Registries} reads for every scheme (see {@link RegistryOptions}). */
  public static final Set<String> COMMON_PARAMS =
      Set.of("empty-protection", "empty-confirm", "snapshot-dir", "resolve-timeout");

  private final String scheme;
  private final @Nullable String username;
  private final @Nullable String password;
  private final String authority;
  private final String path;
  private final Map<String, String> params;

  private RegistryUri(String scheme, @Nullable String username, @Nullable String password, String authority,
      String path, Map<String, String> params) {
    this.scheme = scheme;
    this.username = username;
    this.password = password;
    this.authority = authority;
    this.path = path;
    this.params = params;
  }

  /** Parses {@code uri}; throws {@link IllegalArgumentException} naming what is wrong. */
  public static RegistryUri parse(String uri) {
    requireNonNull(uri, "uri");
    String text = uri.strip();
    int sep = text.indexOf("://");
    if (sep <= 0) {
      throw new IllegalArgumentException("registry uri: '" + redact(text) + "' (expected: scheme://hosts[/path][?params])");
    }
    String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
      throw new IllegalArgumentException("registry uri scheme: '" + scheme + "' (expected: letters, digits, + . -)");
    }
    String rest = text.substring(sep + 3);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int hash = query.indexOf('#');
    if (hash >= 0) {
      query = query.substring(0, hash);
    }
    String path = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash);
      rest = rest.substring(0, slash);
    }
    String username = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      username = decode("user", colon >= 0 ? userInfo.substring(0, colon) : userInfo);
      password = colon >= 0 ? decodeSecret("password", userInfo.substring(colon + 1)) : null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (!query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode("query parameter", eq >= 0 ? pair.substring(0, eq) : pair);
        String rawValue = eq >= 0 ? pair.substring(eq + 1) : "";
        String value = isSecret(key) ? decodeSecret("query parameter " + key, rawValue)
            : decode("query parameter " + key, rawValue);
        if (params.put(key, value) != null) {
          throw new IllegalArgumentException("registry uri parameter '" + key + "': given twice");
        }
      }
    }
    return new RegistryUri(scheme, username, password, rest, path, Collections.unmodifiableMap(params));
  }

  private static String decode(String what, String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("registry uri " + what + ": bad percent-encoding", e);
    }
  }

  /** Like {@link #decode} but without the decoder's exception as cause: its message quotes the bad escape. */
  private static String decodeSecret(String what, String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("registry uri " + what + ": bad percent-encoding");
    }
  }

  public String scheme() {
    return scheme;
  }

  /** The user from the user-info, or null. */
  public @Nullable String username() {
    return username;
  }

  /** The password from the user-info, or null. Never logged by Keel. */
  public @Nullable String password() {
    return password;
  }

  /** The raw host list: what stands between {@code ://} (or {@code @}) and the path. */
  public String authority() {
    return authority;
  }

  /** The path, {@code ""} or starting with {@code /}. */
  public String path() {
    return path;
  }

  /** The query parameters, decoded, in order. */
  public Map<String, String> params() {
    return params;
  }

  public @Nullable String param(String name) {
    return params.get(name);
  }

  public String param(String name, String defaultValue) {
    String v = params.get(name);
    return v == null || v.isEmpty() ? defaultValue : v;
  }

  /**
   * The duration parameter {@code name} ({@link Durations} grammar), or {@code defaultValue} when
   * absent or empty.
   *
   * @throws IllegalArgumentException naming the parameter and the value as typed
   */
  public Duration durationParam(String name, Duration defaultValue) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    try {
      return parseDuration("registry uri parameter " + name, v);
    } catch (IllegalArgumentException e) {
      if (isSecret(name)) {
        throw new IllegalArgumentException("registry uri parameter " + name + ": '***' (expected: " + Durations.EXAMPLES + ")");
      }
      throw e;
    }
  }

  /**
   * Like {@link #durationParam(String, Duration)}, and within {@code min..max}: an error shows the
   * value as typed ({@code ttl: '0s' (expected: 1s..1d)}), never its ISO form.
   */
  public Duration durationParam(String name, Duration defaultValue, Duration min, Duration max) {
    Duration d = durationParam(name, defaultValue);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      String range = min.equals(Duration.ofNanos(1)) && max.equals(Durations.MAX) ? "above 0s"
          : max.equals(Durations.MAX) ? "at least " + Durations.format(min)
          : Durations.format(min) + ".." + Durations.format(max);
      throw new IllegalArgumentException("registry uri parameter " + name + ": '" + shown(name, String.valueOf(params.get(name)))
          + "' (expected: " + range + ")");
    }
    return d;
  }

  public int intParam(String name, int defaultValue, int min, int max) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        "registry uri parameter " + name + ": '" + shown(name, v) + "' (expected: an integer " + min + ".." + max + ")");
  }

  public boolean booleanParam(String name, boolean defaultValue) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "true": case "yes": case "on": case "1":
        return true;
      case "false": case "no": case "off": case "0":
        return false;
      default:
        throw new IllegalArgumentException("registry uri parameter " + name + ": '" + shown(name, v) + "' (expected: true or false)");
    }
  }

  /** Throws naming the first parameter that is neither in {@code known} nor common to all schemes. */
  public void requireKnownParams(Set<String> known) {
    for (String key : params.keySet()) {
      if (!known.contains(key) && !COMMON_PARAMS.contains(key)) {
        Set<String> all = new TreeSet<>(known);
        all.addAll(COMMON_PARAMS);
        throw new IllegalArgumentException("registry uri parameter '" + key + "': unknown for " + scheme
            + ":// (expected one of: " + all + ")" + DidYouMean.suffix(key, all));
      }
    }
  }

  /** The comma-separated entries of the host list, trimmed, none empty. */
  public List<String> hostEntries() {
    List<String> out = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("registry uri hosts: '" + authority + "' (expected: host[:port][,host[:port]...])");
      }
      out.add(p);
    }
    return out;
  }

  /** The hosts, each with {@code defaultPort} where it names none. */
  public List<Address> addresses(int defaultPort) {
    List<Address> out = new ArrayList<>();
    for (String entry : hostEntries()) {
      out.add(Address.parse(entry, defaultPort));
    }
    return out;
  }

  /**
   * Parses a duration in Keel's one grammar ({@link Durations}): {@code 500ms}, {@code 3s},
   * {@code 1h30m}, {@code 1d}, ISO-8601 {@code PT3S}; never negative, overflow refused.
   *
   * @param field named in the error
   */
  public static Duration parseDuration(String field, String text) {
    return Durations.parse(field, text);
  }

  /**
   * {@code text}, a URI that did not parse, with what may be a password masked: everything from
   * the first ':' of the user-info to its last '@' (a password may hold '@' or ':'), and the values
   * of secret parameters. Works without "://", the very case it is called for.
   */
  private static String redact(String text) {
    String head = text;
    String query = null;
    int q = text.indexOf('?');
    if (q >= 0) {
      head = text.substring(0, q);
      query = text.substring(q + 1);
    }
    int at = head.lastIndexOf('@');
    if (at >= 0) {
      int sep = head.indexOf("://");
      int start = sep >= 0 && sep < at ? sep + 3 : 0;
      int colon = head.indexOf(':', start);
      head = colon >= 0 && colon < at ? head.substring(0, colon + 1) + "***" + head.substring(at) : head;
    }
    if (query == null) {
      return head;
    }
    StringBuilder b = new StringBuilder(head).append('?');
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      b.append(eq >= 0 && isSecret(pair.substring(0, eq)) ? pair.substring(0, eq) + "=***" : pair).append('&');
    }
    b.setLength(b.length() - 1);
    return b.toString();
  }

  private static String shown(String param, String value) {
    return isSecret(param) ? "***" : value;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(scheme).append("://");
    if (username != null) {
      b.append(username).append(password != null ? ":***" : "").append('@');
    }
    b.append(authority).append(path);
    if (!params.isEmpty()) {
      b.append('?');
      params.forEach((k, v) -> b.append(k).append('=').append(isSecret(k) ? "***" : v).append('&'));
      b.setLength(b.length() - 1);
    }
    return b.toString();
  }

  private static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("key");
  }

  /** A host and port from a registry URI. */
  public static final class Address {
    private final String host;
    private final int port;

    public Address(String host, int port) {
      this.host = ServiceInstance.Validation.host(host);
      this.port = ServiceInstance.Validation.port("port", port);
    }

    /**
     * Parses {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; a {@code defaultPort}
     * of 0 or less makes the port required.
     */
    public static Address parse(String entry, int defaultPort) {
      String host = entry;
      String port = null;
      if (entry.startsWith("[")) {
        int close = entry.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("host: '" + entry + "' (expected: [IPv6] or [IPv6]:port)");
        }
        host = entry.substring(1, close);
        if (close + 1 < entry.length()) {
          if (entry.charAt(close + 1) != ':') {
            throw new IllegalArgumentException("host: '" + entry + "' (expected: [IPv6]:port)");
          }
          port = entry.substring(close + 2);
        }
      } else {
        int colon = entry.lastIndexOf(':');
        if (colon >= 0) {
          host = entry.substring(0, colon);
          port = entry.substring(colon + 1);
        }
      }
      int p = defaultPort;
      if (port == null && defaultPort <= 0) {
        throw new IllegalArgumentException("port: missing in '" + entry + "' (expected: host:port)");
      }
      if (port != null) {
        try {
          p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("port: '" + port + "' in '" + entry + "' (expected: 1..65535)", e);
        }
      }
      return new Address(host, p);
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Address && ((Address) o).host.equals(host) && ((Address) o).port == port;
    }

    @Override
    public int hashCode() {
      return host.hashCode() * 31 + port;
    }

    /** {@code host:port}, an IPv6 literal in brackets. */
    @Override
    public String toString() {
      return ServiceInstance.hostPort(host, port);
    }
  }
}
