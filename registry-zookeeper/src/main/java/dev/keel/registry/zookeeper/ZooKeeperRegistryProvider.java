package dev.keel.registry.zookeeper;

import dev.keel.registry.Durations;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;
import java.time.Duration;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * {@code zookeeper://[user:password@]host[:port][,host[:port]...][/basePath][?params]}: the
 * ZooKeeper adapter, found through {@link java.util.ServiceLoader}. The port defaults to 2181 and
 * the base path to {@code /services}. Parameters, besides those every scheme takes:
 * {@code session-timeout} (30s), {@code connection-timeout} (5s), {@code retry-base} (100ms),
 * {@code retry-max} (5 retries, 0..29), {@code retry-max-sleep} (2s) and {@code payload-class}
 * ({@code map}, {@code spring-cloud}, {@code dubbo} or a class name). The module README has them all.
 */
public final class ZooKeeperRegistryProvider implements RegistryProvider {
  static final int DEFAULT_PORT = 2181;
  static final Set<String> PARAMS = Set.of("session-timeout", "connection-timeout", "retry-base", "retry-max",
      "retry-max-sleep", "payload-class");

  @Override
  public String scheme() {
    return "zookeeper";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    return builder(uri).options(options).buildRaw();
  }

  @Override
  public void validate(RegistryUri uri, RegistryOptions options) {
    builder(uri);
  }

  /** The builder that {@code uri} describes; every error names the part of the URI that is wrong. */
  static ZooKeeperRegistry.Builder builder(RegistryUri uri) {
    uri.requireKnownParams(PARAMS);
    StringJoiner hosts = new StringJoiner(",");
    uri.addresses(DEFAULT_PORT).forEach(a -> hosts.add(a.toString()));
    ZooKeeperRegistry.Builder b = ZooKeeperRegistry.builder().connectString(hosts.toString());
    String path = uri.path();
    if (!path.isEmpty() && !path.equals("/")) {
      try {
        b.basePath(path);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("registry uri path: " + e.getMessage(), e);
      }
    }
    b.sessionTimeout(positive(uri, "session-timeout", Duration.ofSeconds(30)));
    b.connectionTimeout(positive(uri, "connection-timeout", Duration.ofSeconds(5)));
    Duration base = positive(uri, "retry-base", Duration.ofMillis(100));
    Duration maxSleep = positive(uri, "retry-max-sleep", Duration.ofSeconds(2));
    if (maxSleep.compareTo(base) < 0) {
      throw new IllegalArgumentException("registry uri parameter retry-max-sleep: '" + uri.param("retry-max-sleep")
          + "' (expected: at least retry-base, " + Durations.format(base) + ")");
    }
    // Curator caps the retries of ExponentialBackoffRetry at 29 (the shift would overflow).
    int maxRetries = uri.intParam("retry-max", 5, 0, 29);
    b.retryPolicy(new ExponentialBackoffRetry((int) base.toMillis(), maxRetries, (int) maxSleep.toMillis()));
    String payload = uri.param("payload-class");
    if (payload != null && !payload.isEmpty()) {
      try {
        b.payloadClass(payload);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("registry uri parameter " + e.getMessage(), e);
      }
    }
    if (uri.username() != null) {
      if (uri.password() == null) {
        throw new IllegalArgumentException("registry uri user-info: '" + uri.username()
            + "' (expected: user:password, for ZooKeeper digest auth)");
      }
      try {
        b.digestAuth(uri.username(), uri.password());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("registry uri user-info: " + e.getMessage(), e);
      }
    }
    return b;
  }

  /** A duration parameter of 1 ms to 24 days, ZooKeeper's int milliseconds. */
  private static Duration positive(RegistryUri uri, String name, Duration defaultValue) {
    return uri.durationParam(name, defaultValue, Duration.ofMillis(1), Duration.ofDays(24));
  }
}
