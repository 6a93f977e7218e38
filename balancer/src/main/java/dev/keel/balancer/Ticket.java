package dev.keel.balancer;

/**
 * A single picked request whose reports are idempotent: the first of {@link #success(long)},
 * {@link #failure(FailureKind)} or {@link #cancel()} ends the request on {@link #endpoint()}; every
 * later call is ignored and returns false. Costs one small allocation per pick; use {@link
 * Balancer#pick(CharSequence)} with {@link Endpoint}'s methods on allocation-sensitive paths.
 * Thread-safe.
 */
public interface Ticket {
  /** The endpoint picked for this request. */
  Endpoint endpoint();

  /** Reports success after {@code latencyNanos}; false when the ticket was already ended. */
  boolean success(long latencyNanos);

  /** Reports a failure; false when the ticket was already ended. */
  boolean failure(FailureKind kind);

  /** Ends the request without an outcome; false when the ticket was already ended. */
  boolean cancel();

  /** True once the ticket was ended by any of the above. */
  boolean done();
}
