package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A listener's {@code services} block: how it keeps the services its routes name by a placeholder
 * ({@code {host.0}}, {@code {path.0}}), each opened on first use (a balancer watching the
 * registry). Services named by a fixed name are open for as long as the listener runs and are not
 * counted.
 *
 * @param maxServices services opened by placeholders kept open at once; beyond it the least recently
 *     used is closed (one without instances first)
 * @param idleTimeout a service opened by a placeholder and unused this long is closed
 * @param firstResolve how long the first requests to a service wait for the registry's first answer
 *     before they are answered 503
 */
public record ServicesConfig(int maxServices, Duration idleTimeout, Duration firstResolve) {
  public static final int DEFAULT_MAX_SERVICES = 1000;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_FIRST_RESOLVE = Duration.ofSeconds(5);

  public ServicesConfig {
    requireNonNull(idleTimeout, "idleTimeout");
    requireNonNull(firstResolve, "firstResolve");
    if (maxServices < 1) {
      throw new IllegalArgumentException("maxServices: " + maxServices + " (expected: >= 1)");
    }
  }

  public static ServicesConfig defaults() {
    return new ServicesConfig(DEFAULT_MAX_SERVICES, DEFAULT_IDLE_TIMEOUT, DEFAULT_FIRST_RESOLVE);
  }
}
