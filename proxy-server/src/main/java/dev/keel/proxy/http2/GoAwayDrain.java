package dev.keel.proxy.http2;

import static io.netty.handler.codec.http2.Http2Error.NO_ERROR;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Drains one HTTP/2 client connection without refusing a stream (as Envoy and gRPC servers do,
 * RFC 9113 §6.8): GOAWAY with the largest stream id first, so the client stops opening streams
 * while those already on their way are still taken; a PING; once its answer is back (every stream
 * the client sent before reading the GOAWAY has then arrived) or {@value #PING_TIMEOUT_SECONDS} s
 * have passed, GOAWAY with the real last stream id; then the connection closes when its streams
 * are done, or {@code drainNanos} after the final GOAWAY, whichever comes first.
 *
 * <p>Confined to the connection's event loop.
 */
public final class GoAwayDrain {
  /** The PING payload that marks the drain's round trip ("keel-goa"). */
  public static final long PING = 0x6b65656c2d676f61L;
  static final long PING_TIMEOUT_SECONDS = 10;

  private static final int OPEN = 0;
  private static final int ANNOUNCED = 1;
  private static final int FINAL = 2;
  private static final int CLOSED = 3;

  private final Http2ConnectionHandler handler;
  private final ChannelHandlerContext ctx;
  private final long drainNanos;
  private int state = OPEN;
  private @Nullable ScheduledFuture<?> timer;

  /** @param drainNanos how long streams may take after the final GOAWAY */
  public GoAwayDrain(Http2ConnectionHandler handler, ChannelHandlerContext ctx, long drainNanos) {
    this.handler = handler;
    this.ctx = ctx;
    this.drainNanos = drainNanos;
  }

  /** True once a drain began: the connection takes no more streams than those already on their way. */
  public boolean draining() {
    return state != OPEN;
  }

  /** Starts the drain (the first GOAWAY and the PING); false when one is already under way. */
  public boolean start() {
    if (state != OPEN || !ctx.channel().isActive()) {
      return false;
    }
    state = ANNOUNCED;
    handler.goAway(ctx, Integer.MAX_VALUE, NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
    handler.encoder().writePing(ctx, false, PING, ctx.newPromise());
    handler.flush(ctx);
    long wait = Math.min(drainNanos, TimeUnit.SECONDS.toNanos(PING_TIMEOUT_SECONDS));
    timer = ctx.executor().schedule(this::finalGoAway, wait, TimeUnit.NANOSECONDS);
    return true;
  }

  /** A PING acknowledgement came: true when it was the drain's. */
  public boolean pingAck(long data) {
    if (data != PING) {
      return false;
    }
    if (state == ANNOUNCED) {
      finalGoAway();
    }
    return true;
  }

  /** A stream closed: the connection closes once the last one is done after the final GOAWAY. */
  public void streamClosed() {
    if (state == FINAL && handler.connection().numActiveStreams() == 0) {
      close();
    }
  }

  private void finalGoAway() {
    if (state != ANNOUNCED) {
      return;
    }
    cancel();
    state = FINAL;
    int last = handler.connection().remote().lastStreamCreated();
    handler.goAway(ctx, last, NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
    handler.flush(ctx);
    if (handler.connection().numActiveStreams() == 0) {
      close();
    } else {
      timer = ctx.executor().schedule(this::close, drainNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Closes once what was written is out (streams still open at the deadline are cut). */
  private void close() {
    if (state == CLOSED) {
      return;
    }
    state = CLOSED;
    cancel();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /** The connection closed: nothing more to time. */
  public void stop() {
    state = CLOSED;
    cancel();
  }

  private void cancel() {
    ScheduledFuture<?> t = timer;
    timer = null;
    if (t != null) {
      t.cancel(false);
    }
  }
}
