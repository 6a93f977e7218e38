package dev.keel.client;

import static java.util.Objects.requireNonNull;

import dev.keel.client.internal.WindowRetryBudget;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Bounds retries to a share of the requests, so a sick service is not hammered by its callers'
 * retries (Finagle's retry budget; gRPC's retry throttling serves the same end). Over a sliding
 * window of {@code ttl}, at most {@code minRetriesPerSecond × ttl + percent × requests} retries are
 * allowed. The defaults are Finagle's: 20% of requests plus 10 per second over 10 s.
 *
 * <p>Every request {@link #deposit() deposits} once (its first attempt); every retry must first
 * {@link #tryWithdraw() withdraw}. Implementations are thread-safe.
 */
public interface RetryBudget {
  /** 20% of requests plus 10 retries per second, over a 10 s window, on the system clock. */
  static RetryBudget defaults() {
    return of(0.2, 10, Duration.ofSeconds(10), System::nanoTime);
  }

  /**
   * A budget allowing {@code percent} of the requests plus {@code minRetriesPerSecond}, counted over
   * a sliding window of {@code ttl}.
   *
   * @param percent share of requests that may be retried, 0.0..1.0 (0.2 = 20%)
   * @param minRetriesPerSecond retries allowed whatever the request rate, ≥ 0 (lets a service with
   *     little traffic retry at all)
   * @param ttl how long a deposit or a withdrawal counts, 1 s .. 60 s
   * @param nanoTime a monotonic clock in nanoseconds (tests pass a fake one)
   */
  static RetryBudget of(double percent, double minRetriesPerSecond, Duration ttl, LongSupplier nanoTime) {
    if (!(percent >= 0.0 && percent <= 1.0)) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0.0..1.0)");
    }
    if (!(minRetriesPerSecond >= 0.0) || Double.isInfinite(minRetriesPerSecond)) {
      throw new IllegalArgumentException(
          "minRetriesPerSecond: " + minRetriesPerSecond + " (expected: >= 0.0, finite)");
    }
    requireNonNull(ttl, "ttl");
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("ttl: " + dev.keel.registry.Durations.format(ttl) + " (expected: 1s..60s)");
    }
    requireNonNull(nanoTime, "nanoTime");
    return new WindowRetryBudget(percent, minRetriesPerSecond, ttl.toNanos(), nanoTime);
  }

  /** Counts one request (call once per request, not per attempt). */
  void deposit();

  /**
   * Takes one retry from the budget.
   *
   * @return true when the retry may go ahead; false when the budget is spent (do not retry)
   */
  boolean tryWithdraw();

  /** Retries that {@link #tryWithdraw()} would allow right now (may be fractional). */
  double balance();
}
