package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * The client side of one {@link Exchange}, as the exchange sees it: where its response goes and
 * how it paces the request it reads. An HTTP/1.1 client connection implements it today ({@link
 * HttpProxyHandler}: status line, chunking, {@code Connection: close}); so does an HTTP/2 stream
 * ({@link Http2StreamResponse}: HEADERS, DATA, trailing HEADERS, RST_STREAM; the stream's flow-control
 * window as writability). The exchange never sees framing: only heads, body pieces, trailers and the end.
 *
 * <p>All methods run on the connection's event loop. Buffers passed in are owned by the sink.
 */
interface ResponseSink {
  /** An interim (1xx other than 101) head; the final head follows. May be dropped (HTTP/1.0 clients). */
  void interim(ResponseHead head);

  /**
   * The final head. A sink may hold it back until a small body is in ({@link #committed()} stays
   * false meanwhile), so a failure before the end can still be retried or answered cleanly.
   *
   * @param cookies session-persistence edits of the head, or null
   */
  void head(ResponseHead head, ResponseWriter.@Nullable CookieEdit cookies);

  /** A piece of the response body; ownership passes to the sink. */
  void body(ByteBuf data);

  /**
   * The end of the response, with its trailers (borrowed, not owned; the sink takes the form it
   * writes) or null. The exchange is {@link Phase#DONE} when this is called.
   */
  void end(@Nullable ResponseTrailers trailers);

  /** A 101 answering a WebSocket upgrade: after it, raw bytes both ways (HTTP/1.1 only). */
  void switching(ResponseHead head);

  /** Sends {@code 100 Continue}: the request body may come. */
  void continue100();

  /**
   * The proxy's own answer ({@code status}: 4xx, 502, 503, 504) to an exchange of which nothing
   * was committed to the client; the exchange is {@link Phase#CLOSING}.
   *
   * @param detail what the answer says besides its status (printable ASCII, one line: the service
   *     that has no instance, the host and path no route matched), or empty; for gRPC, the message
   */
  void fail(HttpResponseStatus status, String detail);

  /**
   * The response cannot be completed after part of it reached the client: the client must see a
   * truncated message, never a made-up end (HTTP/1.1: close the connection; HTTP/2: RST_STREAM, or
   * for a gRPC call the status in trailers, which is how a gRPC server ends a call that failed).
   *
   * @param why what the proxy would have answered had nothing been sent (502, 504)
   */
  void reset(HttpResponseStatus why);

  /** True once any byte of the final response left for the client (a held head does not count). */
  boolean committed();

  /** Drops a head held back by {@link #head}: the attempt failed before anything was committed. */
  void discardHeld();

  /** Flushes what was written. */
  void flush();

  /** True while the client can take more (socket or stream window): the upstream is read only then. */
  boolean writable();

  /** The exchange can take more of the request now: read on (HTTP/1.1: the socket; HTTP/2: the stream). */
  void requestMore();

  /** Asks for {@link Exchange#timeUp(long)} to be called at or after {@code deadlineNanos} (the loop's ticker). */
  void wakeAt(long deadlineNanos);
}
