package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A channel target split into the registry to open and the service to resolve:
 * {@code scheme://hosts[/registry-path]/SERVICE[?registry-params]}. The last path segment is the
 * service; everything else, query included, is the registry URI handed to {@code Registries.open}.
 *
 * <p>So {@code zookeeper://zk1:2181,zk2:2181/services/orders} is service {@code orders} in {@code
 * zookeeper://zk1:2181,zk2:2181/services}; {@code etcd://h:2379/orders?prefix=/keel} is {@code
 * orders} in {@code etcd://h:2379?prefix=/keel}; {@code memory://test/orders} is {@code orders} in
 * {@code memory://test}.
 *
 * <p>grpc-java parses targets by RFC 3986 (since 1.80, by default), whose host part cannot hold a
 * list of {@code host:port}: such a list is written with its colons percent-encoded, {@code
 * zookeeper://zk1%3A2181,zk2%3A2181/services/orders}, and decoded here; hosts on their registry's
 * default port need no port at all ({@code zookeeper://zk1,zk2,zk3/services/orders}). The registry URI keeps the target's text as given (credentials included)
 * and is never logged; {@link #toString()} shows neither user-info nor parameters.
 */
record KeelTarget(String scheme, String registryUri, String service) {
  KeelTarget {
    requireNonNull(scheme, "scheme");
    requireNonNull(registryUri, "registryUri");
    requireNonNull(service, "service");
  }

  /** Parses {@code target}; the error names the target (redacted) and the form expected. */
  static KeelTarget parse(String target) {
    requireNonNull(target, "target");
    int sep = target.indexOf("://");
    if (sep <= 0) {
      throw new IllegalArgumentException("target: '" + redact(target) + "' (expected: scheme://hosts/SERVICE)");
    }
    String scheme = target.substring(0, sep).toLowerCase(java.util.Locale.ROOT);
    String rest = target.substring(sep + 3);
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q);
      rest = rest.substring(0, q);
    }
    int firstSlash = rest.indexOf('/');
    int lastSlash = rest.lastIndexOf('/');
    String encoded = lastSlash >= 0 ? rest.substring(lastSlash + 1) : "";
    if (firstSlash < 0 || encoded.isEmpty()) {
      throw new IllegalArgumentException("target: '" + redact(target) + "' has no service (expected: "
          + scheme + "://hosts" + (scheme.equals("zookeeper") ? "[/basePath]" : "") + "/SERVICE"
          + "[?params]: the last path segment names the service)");
    }
    String service;
    try {
      service = URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("target service: '" + encoded + "' (expected: valid percent-encoding)");
    }
    if (service.isBlank()) {
      throw new IllegalArgumentException("target service: '" + service + "' (expected: non-blank)");
    }
    String registry = scheme + "://" + decodeHostColons(rest.substring(0, lastSlash)) + query;
    return new KeelTarget(scheme, registry, service);
  }

  /** {@code %3A} in the host list (after any user-info, before the path) back to {@code :}. */
  private static String decodeHostColons(String authorityAndPath) {
    int slash = authorityAndPath.indexOf('/');
    String authority = slash >= 0 ? authorityAndPath.substring(0, slash) : authorityAndPath;
    String path = slash >= 0 ? authorityAndPath.substring(slash) : "";
    int at = authority.lastIndexOf('@');
    String hosts = authority.substring(at + 1).replace("%3A", ":").replace("%3a", ":");
    return authority.substring(0, at + 1) + hosts + path;
  }

  /** The target without user-info and parameters, for messages. */
  static String redact(String target) {
    String t = target;
    int q = t.indexOf('?');
    if (q >= 0) {
      t = t.substring(0, q) + "?…";
    }
    int sep = t.indexOf("://");
    int at = t.indexOf('@');
    int slash = sep >= 0 ? t.indexOf('/', sep + 3) : -1;
    if (sep >= 0 && at > sep && (slash < 0 || at < slash)) {
      t = t.substring(0, sep + 3) + "…@" + t.substring(at + 1);
    }
    return t;
  }

  @Override
  public String toString() {
    return redact(registryUri) + " service " + service;
  }
}
