package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Durations;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The admin listener: {@code listen} (null when disabled), an optional bearer token that
 * {@code /status} and {@code /metrics} requests must carry, the {@code Host} names it answers
 * when no token is set, and how many connections it holds at once. {@link #toString()} never
 * shows the token.
 *
 * @param allowedHosts host names (without port) accepted in {@code Host} when {@code token} is
 *     null, besides loopback addresses and the listen address itself; a request naming any other
 *     host is refused (403), since a web page could otherwise read {@code /status} through a DNS
 *     name of its own that resolves to the proxy (DNS rebinding)
 * @param maxConnections admin connections held at once; more are closed at accept
 * @param requestTimeout how long a connection has, from its accept and again from each response,
 *     to deliver a complete request; also how long an idle keep-alive connection is kept
 */
public record AdminConfig(@Nullable HostPort listen, @Nullable String token, List<String> allowedHosts, int maxConnections,
    Duration requestTimeout) {
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9901);
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  public AdminConfig {
    allowedHosts = List.copyOf(requireNonNull(allowedHosts, "allowedHosts"));
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: at least 1)");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout: " + Durations.format(requestTimeout.abs()) + " (expected: above 0s)");
    }
  }

  /** With no extra allowed hosts and the default connection limit and timeout. */
  public AdminConfig(@Nullable HostPort listen, @Nullable String token) {
    this(listen, token, List.of(), DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT);
  }

  public static AdminConfig defaults() {
    return new AdminConfig(DEFAULT_LISTEN, null);
  }

  @Override
  public String toString() {
    return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "(set)") + ", allowedHosts="
        + allowedHosts + ", maxConnections=" + maxConnections + ", requestTimeout=" + Durations.format(requestTimeout) + "]";
  }
}
