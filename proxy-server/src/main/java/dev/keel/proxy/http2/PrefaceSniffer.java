package dev.keel.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells HTTP/2 with prior knowledge from HTTP/1.1 on a clear-text port (RFC 9113 §3.3): a
 * connection whose first bytes are the 24-byte connection preface ({@code PRI * HTTP/2.0 ...})
 * speaks HTTP/2; at the first byte that differs, it speaks HTTP/1.1 (an HTTP/1.1 request line can
 * share at most the preface's first bytes, and {@code PRI} is no method the proxy forwards). The
 * bytes read so far go on to the chosen handlers; this one leaves the pipeline. There is no h2c
 * upgrade ({@code Upgrade: h2c} is an HTTP/1.1 request like any other, its upgrade never forwarded).
 *
 * <p>A client that sends nothing is closed after {@code idleNanos} (as an idle HTTP/1.1 connection
 * is); one whose first bytes trickle is closed {@code headerNanos} after the first (the
 * header-read timeout, slowloris). Reads itself: client connections do not read on their own.
 * Confined to the connection's event loop.
 */
public final class PrefaceSniffer extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PrefaceSniffer.class);
  private static final byte[] PREFACE = ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf());

  private final Protocols protocols;
  private final long idleNanos;
  private final long headerNanos;
  private @Nullable ByteBuf seen;
  private @Nullable ScheduledFuture<?> deadline;
  private boolean decided;

  /** @param idleNanos, headerNanos 0: that deadline is off */
  public PrefaceSniffer(Protocols protocols, long idleNanos, long headerNanos) {
    this.protocols = protocols;
    this.idleNanos = idleNanos;
    this.headerNanos = headerNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (deadline == null && !decided) {
      deadline = schedule(ctx, idleNanos);
      ctx.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in) || decided) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ByteBuf s = seen;
    if (s == null) {
      s = ctx.alloc().buffer(Math.max(PREFACE.length, in.readableBytes()));
      seen = s;
      cancel();
      deadline = schedule(ctx, headerNanos); // the first bytes are here: the rest of the head is timed
    }
    s.writeBytes(in);
    in.release();
    int n = Math.min(s.readableBytes(), PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (s.getByte(s.readerIndex() + i) != PREFACE[i]) {
        decide(ctx, false);
        return;
      }
    }
    if (n == PREFACE.length) {
      decide(ctx, true);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!decided) {
      ctx.read();
    }
  }

  private void decide(ChannelHandlerContext ctx, boolean http2) {
    decided = true;
    cancel();
    if (http2) {
      protocols.http2(ctx.pipeline());
    } else {
      protocols.http1(ctx.pipeline());
    }
    ByteBuf s = seen;
    seen = null;
    ctx.pipeline().remove(this);
    if (s != null) {
      // the read's own channelReadComplete follows (decide runs in channelRead) and now reaches the
      // protocol's handlers: firing one here too would end the read twice
      ctx.fireChannelRead(s);
    }
  }

  private @Nullable ScheduledFuture<?> schedule(ChannelHandlerContext ctx, long nanos) {
    return nanos <= 0 ? null : ctx.executor().schedule(() -> {
      if (!decided) {
        log.debug("{}: no request in time, closed", ctx.channel().remoteAddress());
        ctx.close();
      }
    }, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    ScheduledFuture<?> d = deadline;
    deadline = null;
    if (d != null) {
      d.cancel(false);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
    ByteBuf s = seen;
    seen = null;
    if (s != null) {
      s.release();
    }
  }
}
