package dev.keel.balancer;

import dev.keel.registry.ServiceInstance;

/**
 * One instance of the watched service plus the live state the balancer keeps for it. The state is
 * keyed by {@link ServiceInstance#id()} and survives membership updates: a snapshot that still holds
 * the id keeps the same {@code Endpoint} object and its counters.
 *
 * <h2>Reporting contract</h2>
 *
 * Every successful {@link Balancer#pick(CharSequence)} (and {@link Balancer#pin(String)}) counts one
 * request in flight on the endpoint it returns. The caller must end that request with <b>exactly one</b> of {@link #onSuccess(long)},
 * {@link #onFailure(FailureKind)} or {@link #release()} — in a {@code finally} block or the
 * transport's completion callback. The in-flight count saturates at zero, so a stray second report
 * can never drive it negative; it can however end another caller's request early in the count, so
 * code that cannot guarantee "exactly once" should use {@link Balancer#begin(CharSequence)}, whose
 * {@link Ticket} ignores every report after the first.
 *
 * <p>All methods are thread-safe, lock-free and allocation-free; they may be called from any thread,
 * including an event loop.
 */
public interface Endpoint {
  /** The instance as last seen in discovery (weight and metadata may change in place). */
  ServiceInstance instance();

  /** Same as {@code instance().id()}. */
  String id();

  /** The registry weight, 0..10000; 0 means "send nothing". */
  int weight();

  /** Requests picked and not yet reported. */
  int inFlight();

  /**
   * The peak-EWMA latency estimate in nanoseconds: jumps up to any slower sample at once, decays
   * towards faster ones with a time constant. An endpoint that has not answered yet carries the mean
   * of its peers (a safe cold start), never zero and never "infinitely slow".
   */
  double peakEwmaNanos();

  /** Failures reported since the last success. */
  int consecutiveFailures();

  /** Long-lived connections placed on this endpoint by a {@link ConnectionBalancer} and still open. */
  int activeConnections();

  /** Successes plus failures reported, since this balancer first saw the endpoint. */
  long requests();

  /** Failures reported, since this balancer first saw the endpoint. */
  long failures();

  /** False while active health checks say the endpoint is down (true when checks are off). */
  boolean healthy();

  /** True while passive outlier detection keeps the endpoint out. */
  boolean ejected();

  /**
   * Reports that a picked request succeeded after {@code latencyNanos} (negative values count as 0).
   * Ends the request: see the reporting contract above.
   */
  void onSuccess(long latencyNanos);

  /** Reports that a picked request failed. Ends the request: see the reporting contract above. */
  void onFailure(FailureKind kind);

  /**
   * Ends a picked request without an outcome (cancelled before it was sent, abandoned by the
   * caller). It changes no statistics but the in-flight count.
   */
  void release();
}
