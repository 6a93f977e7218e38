package dev.keel.proxy.upstream;

/**
 * Receives what happens on a leased upstream connection. Called on the connection's event loop,
 * which is also the owner's: never block here.
 */
public interface UpstreamOwner {
  /** A decoded response part, or a raw buffer once tunnelling. Ownership passes to the owner. */
  void upstreamRead(UpstreamConnection connection, Object msg);

  /** The end of one read batch: flush what was written and decide whether to read more. */
  void upstreamReadComplete(UpstreamConnection connection);

  /** The connection became writable again (backpressure released) or not. */
  void upstreamWritabilityChanged(UpstreamConnection connection);

  /** The connection closed or failed while leased; {@code cause} is null for a plain close. */
  void upstreamClosed(UpstreamConnection connection, Throwable cause);
}
