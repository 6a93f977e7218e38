package dev.keel.proxy.h2up;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import org.jspecify.annotations.Nullable;

/**
 * What the streams of one {@link H2Connection} write through its codec: HEADERS that open a stream,
 * DATA (held by Netty's flow controller beyond the stream's window), trailers, RST_STREAM, PING,
 * and the bytes given back to the instance's windows. Every write gets a promise of its own: a
 * write that fails (its stream reset meanwhile) fails that promise, not the connection, as a
 * failed void promise would through the pipeline.
 *
 * <p>Confined to the connection's event loop.
 */
final class H2Writer {
  private final H2Connection handler;
  private final ChannelHandlerContext ctx;
  private final Http2Connection.PropertyKey key;
  private final Runnable flushTask = this::flushNow;
  private boolean flushScheduled;

  H2Writer(H2Connection handler, ChannelHandlerContext ctx, Http2Connection.PropertyKey key) {
    this.handler = handler;
    this.ctx = ctx;
    this.key = key;
  }

  /** Opens a stream for {@code s} with its HEADERS; null when none could be opened (ids ran out, or the codec refused). */
  @Nullable Http2Stream open(H2Stream s, Http2Headers headers, boolean endStream) {
    Http2Connection c = handler.connection();
    int id = c.local().incrementAndGetNextStreamId();
    if (id <= 0) {
      return null;
    }
    handler.encoder().writeHeaders(ctx, id, headers, 0, endStream, ctx.newPromise());
    Http2Stream st = c.stream(id);
    if (st != null) {
      st.setProperty(key, s);
    }
    return st;
  }

  void data(Http2Stream st, ByteBuf data, boolean endStream) {
    handler.encoder().writeData(ctx, st.id(), data, 0, endStream, ctx.newPromise());
  }

  void trailers(Http2Stream st, Http2Headers trailers) {
    handler.encoder().writeHeaders(ctx, st.id(), trailers, 0, true, ctx.newPromise());
  }

  /**
   * Flushes once the event loop is done with what it is doing now: the streams that one read of a
   * client connection began (a gRPC client sends many calls per read) go to the instance in one
   * write, not one system call each, as the client side flushes its responses
   * ({@code Http2ProxyHandler.flushSoon}). The flush goes through the HTTP/2 handler itself, whose
   * flush first hands Netty's flow controller the DATA it holds: a bare {@code ctx.flush()} starts
   * below the handler, and DATA written since would wait for the next read from the instance.
   */
  void flush() {
    if (!flushScheduled) {
      flushScheduled = true;
      ctx.executor().execute(flushTask);
    }
  }

  private void flushNow() {
    flushScheduled = false;
    if (ctx.channel().isActive()) {
      handler.flush(ctx);
    }
  }

  /** True while {@code st}'s send window (and the socket) can take more. */
  boolean writable(Http2Stream st) {
    return handler.encoder().flowController().isWritable(st);
  }

  /** Gives {@code n} bytes of {@code st} back to the instance's window (WINDOW_UPDATE when due). */
  void consume(Http2Stream st, int n) {
    try {
      if (handler.decoder().flowController().consumeBytes(st, n)) {
        ctx.flush();
      }
    } catch (Http2Exception e) {
      handler.onError(ctx, false, e);
    }
  }

  /** Resets {@code st} with CANCEL: the instance stops working on it. */
  void cancel(Http2Stream st) {
    if (handler.table().leftOutByGoAway(st.id())) {
      return; // the instance never saw it: a reset would be a protocol error to it
    }
    handler.resetStream(ctx, st.id(), Http2Error.CANCEL.code(), ctx.newPromise());
    ctx.flush();
  }

  void ping(long data) {
    handler.encoder().writePing(ctx, false, data, ctx.newPromise());
    ctx.flush();
  }
}
