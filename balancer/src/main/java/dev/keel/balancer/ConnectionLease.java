package dev.keel.balancer;

/**
 * One long-lived connection placed by a {@link ConnectionBalancer}. The transport owns the
 * connection; the lease only counts it. Thread-safe.
 *
 * <p>Contract: call {@link #close()} once the connection is closed, whatever closed it (either
 * side, an error, or shedding); it is idempotent. Mark the connection {@link #markBusy() busy} while
 * it carries a request or stream, and {@link #markIdle() idle} in between, so that shedding closes
 * idle connections first. A new lease is busy.
 *
 * <p>Sealed: leases are made by a {@link ConnectionBalancer} only.
 */
public sealed interface ConnectionLease extends AutoCloseable permits DefaultConnectionBalancer.Lease {
  /** The endpoint the connection must be opened to. */
  Endpoint endpoint();

  void markIdle();

  void markBusy();

  boolean idle();

  /**
   * True once {@link ConnectionBalancer#shedCandidates()} handed this lease out: the transport should
   * close the connection gracefully (HTTP/2 GOAWAY, {@code Connection: close}, or the application
   * protocol's own redirect) and let the client reconnect through {@link ConnectionBalancer#open()}.
   */
  boolean shedding();

  /**
   * Takes back a shed: the transport could not move this connection (its replacement failed to
   * open, or a handover failed) and keeps it. The lease stops counting as shedding, so placement
   * and later {@link ConnectionBalancer#shedCandidates()} runs count it as an ordinary connection
   * again, and it may be chosen again when the spread still calls for it. Thread-safe.
   *
   * @return true when the lease was shedding and now is not; false when it was not shedding or is
   *     closed
   */
  boolean keep();

  /** The connection is gone: stop counting it. Idempotent; a closed lease is never shed again. */
  @Override
  void close();
}
