package dev.keel.registry.etcd;

import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryUri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Turns an {@code etcd://} or {@code etcds://} URI into an {@link EtcdRegistry.Builder}. */
final class EtcdUris {
  static final Set<String> PARAMS = Set.of("prefix", "ttl", "tls", "ca", "cert", "key");

  private EtcdUris() {}

  static EtcdRegistry.Builder builder(RegistryUri uri, boolean tlsScheme, RegistryOptions options) {
    uri.requireKnownParams(PARAMS);
    if (!uri.path().isEmpty() && !uri.path().equals("/")) {
      throw new IllegalArgumentException("etcd registry uri path: '" + uri.path()
          + "' (expected: none; give the key prefix as ?prefix=" + uri.path() + ")");
    }
    List<String> endpoints = new ArrayList<>();
    for (RegistryUri.Address a : uri.addresses(EtcdRegistry.DEFAULT_PORT)) {
      endpoints.add(a.toString());
    }
    EtcdRegistry.Builder b = EtcdRegistry.builder()
        .endpoints(endpoints)
        .prefix(uri.param("prefix", EtcdRegistry.DEFAULT_PREFIX))
        .ttl(uri.durationParam("ttl", EtcdRegistry.DEFAULT_TTL, Duration.ofSeconds(1), Duration.ofDays(1)))
        .tls(tlsScheme || uri.booleanParam("tls", false))
        .options(options);
    if (uri.username() != null) {
      if (uri.password() == null) {
        throw new IllegalArgumentException("etcd registry uri user-info: user '" + uri.username()
            + "' without a password (expected: user:password@)");
      }
      b.credentials(uri.username(), uri.password());
    }
    String ca = uri.param("ca");
    if (ca != null && !ca.isEmpty()) {
      b.trustedCa(readable("ca", ca));
    }
    String cert = uri.param("cert");
    String key = uri.param("key");
    boolean hasCert = cert != null && !cert.isEmpty();
    boolean hasKey = key != null && !key.isEmpty();
    if (hasCert != hasKey) {
      throw new IllegalArgumentException("registry uri parameter " + (hasCert ? "cert" : "key")
          + ": given without " + (hasCert ? "key" : "cert") + " (expected: both, or neither)");
    }
    if (cert != null && hasCert && key != null && hasKey) {
      b.clientCertificate(readable("cert", cert), readable("key", key));
    }
    return b;
  }

  /** The file a parameter names, refused now (not at the first TLS handshake) when it cannot be read. */
  private static Path readable(String param, String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new IllegalArgumentException("registry uri parameter " + param + ": '" + file
          + "' (expected: a readable PEM file; " + (Files.exists(p) ? "it cannot be read" : "it does not exist") + ")");
    }
    return p;
  }
}
