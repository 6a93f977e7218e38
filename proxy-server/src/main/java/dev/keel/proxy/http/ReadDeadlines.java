package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client connection's header-read and body-read deadlines (slowloris, slow bodies): a request
 * head must be complete within {@code headerNanos} of its first byte, and its body within
 * {@code bodyNanos} of the head's end, extended by 1 s per {@value #MIN_BODY_RATE} bytes received
 * (so an upload at a normal rate is never cut, one trickling slower than that is; 0: no deadline). When one passes, {@link Expired#INSTANCE} is
 * fired to the proxy handler, which answers 408 (or just closes when a response has started).
 * Between requests nothing is timed (the idle timeout covers that); once the request decoder is
 * gone (a tunnel), neither is.
 *
 * <p>Two handlers share one instance: {@link #bytes()} goes before the request decoder (it sees a
 * head start), {@link #messages()} after it (it sees the head and the body end). One timer per
 * connection, re-armed lazily. Confined to the connection's event loop.
 */
public final class ReadDeadlines implements Runnable {
  private static final int BETWEEN = 0;
  private static final int HEAD = 1;
  private static final int BODY = 2;
  /** Bytes per second a body must keep up to stretch its deadline (as Apache's mod_reqtimeout MinRate). */
  static final int MIN_BODY_RATE = 500;
  private static final long NANOS_PER_BODY_BYTE = TimeUnit.SECONDS.toNanos(1) / MIN_BODY_RATE;

  private final long headerNanos;
  private final long bodyNanos;
  private final Bytes bytes = new Bytes();
  private final Messages messages = new Messages();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable ScheduledFuture<?> timer;
  private int state = BETWEEN;
  private long deadline;

  public ReadDeadlines(long headerNanos, long bodyNanos) {
    this.headerNanos = headerNanos;
    this.bodyNanos = bodyNanos;
  }

  /** The handler to add before the request decoder. */
  public ChannelHandler bytes() {
    return bytes;
  }

  /** The handler to add after the request decoder, before the proxy handler. */
  public ChannelHandler messages() {
    return messages;
  }

  /** The user event sent to the proxy handler when a deadline passed. */
  public enum Expired { INSTANCE }

  private void arm(int next, long nanos) {
    if (nanos <= 0) {
      state = BETWEEN;
      return;
    }
    state = next;
    deadline = System.nanoTime() + nanos;
    ChannelHandlerContext c = ctx;
    if (timer == null && c != null) {
      timer = c.executor().schedule(this, nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void run() {
    timer = null;
    ChannelHandlerContext c = ctx;
    if (state == BETWEEN || c == null || !c.channel().isActive()) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timer = c.executor().schedule(this, left, TimeUnit.NANOSECONDS);
      return;
    }
    state = BETWEEN;
    c.fireUserEventTriggered(Expired.INSTANCE);
  }

  private void stop(ChannelPipeline p) {
    state = BETWEEN;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
    if (p.context(bytes) != null) {
      p.remove(bytes);
    }
    if (p.context(messages) != null) {
      p.remove(messages);
    }
  }

  private final class Bytes extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      if (c.pipeline().get(StrictRequestDecoder.class) == null) {
        stop(c.pipeline());
      } else if (state == BETWEEN && msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
        arm(HEAD, headerNanos);
      }
      c.fireChannelRead(msg);
    }
  }

  private final class Messages extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext c) {
      ctx = c;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      if (msg instanceof HttpRequest) {
        arm(BODY, bodyNanos);
      }
      if (msg instanceof LastHttpContent) {
        state = BETWEEN;
      } else if (state == BODY && msg instanceof HttpContent) {
        deadline += ((HttpContent) msg).content().readableBytes() * NANOS_PER_BODY_BYTE;
      }
      c.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
        timer = null;
      }
      c.fireChannelInactive();
    }
  }
}
