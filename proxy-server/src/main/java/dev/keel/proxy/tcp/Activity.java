package dev.keel.proxy.tcp;

/**
 * What one relayed connection is doing, as far as shedding and the idle timeout need to know.
 * Called only on the connection's event loop.
 *
 * <p>"Answered" is the request/response heuristic an L4 relay can afford: the last bytes that moved
 * went towards the client and have left the proxy, and nothing the client sent is still on its way
 * to the upstream. A connection that is answered and has been quiet for a short while is between
 * exchanges; closing it then does not cut a request.
 */
interface Activity {
  /** Nanoseconds since bytes last moved in either direction (or since the relay started). */
  long quietNanos(long nowNanos);

  /** True when the last movement was an answer to the client and nothing is in flight either way. */
  boolean answered();
}
