package dev.keel.balancer;

/**
 * One long-lived connection placed by a {@link ConnectionBalancer}. The transport owns the
 * connection; the lease only counts it. Thread-safe.
 *
 * <p>Contract: call {@link #close()} once the connection is closed, whatever closed it (either
 * side, an error, or shedding); it is idempotent. Mark the connection {@link #markBusy() busy} while
 * it carries a request or stream, and {@link #markIdle() idle} in between, so that shedding closes
 * idle connections first. A new lease is busy.
 */
public interface ConnectionLease extends AutoCloseable {
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

  /** The connection is gone: stop counting it. Idempotent. */
  @Override
  void close();
}
