package dev.keel.proxy.h2up;

import dev.keel.balancer.FailureKind;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link H2Stream} tells whoever opened it: it is ready, the response's head, body and end
 * (with trailers), flow control, and failure. Exactly one of {@link #streamReady} or {@link
 * #streamFailed} comes first; after {@link #responseEnd}, {@link #streamFailed} or {@link
 * H2Stream#cancel()} nothing more comes. Called on the connection's event loop, which is the
 * opener's: never block here.
 */
public interface H2StreamListener {
  /** The stream has its place on a connection whose instance's SETTINGS arrived: the request may be written. */
  void streamReady(H2Stream stream);

  /**
   * A response HEADERS frame: informational (1xx, more follow) or final. Valid during the call only.
   *
   * @param endStream nothing follows: no body, no trailers ({@link #responseEnd} comes next)
   */
  void responseHead(Http2Headers headers, boolean endStream);

  /** A piece of the response body; ownership passes to the listener. */
  void responseData(ByteBuf data);

  /** The end of the response, with its trailers (valid during the call) or null. */
  void responseEnd(@Nullable Http2Headers trailers);

  /** The end of a batch of what came: flush, and {@link H2Stream#requestMore()} when the client can take more. */
  void responseReadComplete();

  /** The stream's send window opened again: more of the request may be written. */
  void streamWritable();

  /**
   * The stream failed before the response was complete.
   *
   * @param kind {@link FailureKind#CONNECT} when the stream never got a connection, else {@link
   *     FailureKind#RESET}
   * @param refused the instance says it did not process the request (REFUSED_STREAM, or a stream
   *     above a GOAWAY's last-stream-id, or one never sent): it may go again elsewhere
   */
  void streamFailed(FailureKind kind, Throwable cause, boolean refused);
}
