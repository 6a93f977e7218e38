package dev.keel.proxy.http;

import dev.keel.proxy.upstream.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The upstream side of one attempt of an {@link Exchange}: where the request goes. A leased,
 * pooled HTTP/1.1 connection ({@link Http1Upstream}), or a stream on a multiplexed HTTP/2
 * connection ({@link Http2Upstream}). What comes back arrives through {@link
 * UpstreamListener}. Opened by an {@link UpstreamConnector}.
 *
 * <p>All methods run on the event loop of the exchange's client connection, which is also the
 * upstream's. Buffers and contents passed in are owned by the sink.
 */
interface RequestSink {
  /** The backend this attempt runs on. */
  Backend backend();

  /**
   * Writes (without flushing) the request head, rewritten and checked.
   *
   * @param headRequest the method is HEAD: the response has no body whatever its fields say
   * @param chunked the body goes upstream chunked (else with its Content-Length, or none)
   */
  void head(HttpRequest request, boolean headRequest, boolean chunked);

  /** Writes (without flushing) a piece of the request body; the last one carries the trailers. */
  void body(HttpContent content);

  /** Writes (without flushing) raw bytes of a tunnel. */
  void raw(ByteBuf bytes);

  void flush();

  /** True while the upstream can take more: the client is read only then. */
  boolean writable();

  /** Reads the next part of the response (the upstream is read on demand, AUTO_READ off). */
  void requestMore();

  /** After a 101: the upstream carries raw bytes from now on (its response decoder goes). */
  void tunnel();

  /**
   * The connection a tunnel runs on, for its close handshake (HTTP/1.1 only). The sink is done
   * after this: the caller owns the channel's end.
   */
  Channel detach();

  /**
   * Ends the attempt: the connection goes back to the pool when {@code reusable} (the request and
   * the response were complete and both sides keep it alive), else it is closed (a stream reset).
   * No listener call follows. Idempotent.
   */
  void release(boolean reusable);
}
