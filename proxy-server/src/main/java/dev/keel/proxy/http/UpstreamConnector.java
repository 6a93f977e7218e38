package dev.keel.proxy.http;

import dev.keel.proxy.upstream.Backend;

/**
 * Opens the upstream side of an exchange's attempt on a chosen backend: a pooled HTTP/1.1
 * connection of the client connection's event loop ({@link Http1Upstream#connector}), or a stream
 * on a multiplexed HTTP/2 connection of that loop ({@link Http2Upstream#connector}). Called on that event loop.
 */
interface UpstreamConnector {
  /**
   * Opens an upstream to {@code backend} for {@code listener}, which then hears {@link
   * UpstreamListener#upstreamReady} or {@link UpstreamListener#upstreamFailed} exactly once —
   * possibly before this method returns (a pooled connection is ready at once). The sink is
   * returned at once so that an attempt abandoned while connecting can {@link RequestSink#release}
   * it; it takes no writes before it is ready.
   */
  RequestSink open(Backend backend, UpstreamListener listener);
}
