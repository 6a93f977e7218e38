package dev.keel.client;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.FailureKind;
import dev.keel.registry.RegistryClient;

/**
 * Where the client reports what it does; every method defaults to doing nothing. Keel ships a
 * Micrometer binding, {@code dev.keel.client.micrometer.MicrometerClientMetrics}, kept in its own
 * package so that this module runs with Micrometer absent from the class path.
 *
 * <p>Methods are called on the calling threads (OkHttp's dispatcher or the caller's), concurrently:
 * implementations must be thread-safe, fast and must not throw.
 */
public interface ClientMetrics {
  /** Reports nothing. */
  static ClientMetrics none() {
    return NoMetrics.INSTANCE;
  }

  /**
   * The client resolves through {@code registry}: e.g. to publish its reachability and the count of
   * malformed entries it skipped ({@link RegistryClient#health()}). Called once, when the client is built.
   */
  default void registry(RegistryClient registry) {}

  /** A balancer for {@code service} was created; e.g. to publish per-endpoint in-flight gauges. */
  default void serviceStarted(String service, Balancer balancer) {}

  /** The balancer of {@code service} was closed with the client. */
  default void serviceClosed(String service) {}

  /** One request to {@code service} started (counted once, however many attempts it takes). */
  default void request(String service) {}

  /** One attempt at {@code service} failed with {@code kind}. */
  default void failure(String service, FailureKind kind) {}

  /** One retry on another instance, after a failure of {@code reason}. */
  default void retry(String service, FailureKind reason) {}

  /** A retryable failure was not retried because the retry budget was spent. */
  default void retryDenied(String service) {}
}

/** The no-op metrics. */
enum NoMetrics implements ClientMetrics {
  INSTANCE
}
