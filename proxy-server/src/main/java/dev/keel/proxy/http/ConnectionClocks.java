package dev.keel.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The clocks of one HTTP/1.1 client connection, none of them per request: the idle ticker (every
 * half idle timeout one more quiet tick for the client and for the exchange's upstream; a side
 * quiet for {@value #IDLE_TICKS} ticks is idle: silent for 1 to 1.5 idle timeouts, and a read costs
 * a field store, not a clock reading), and one request timer for the exchanges' {@code
 * timeouts.request}, re-armed lazily (most exchanges end long before it, so it is not scheduled per
 * request). Time is the event loop's {@link Ticker}. Confined to the connection's event loop.
 */
final class ConnectionClocks implements Runnable {
  static final int IDLE_TICKS = 3;

  private final HttpProxyHandler connection;
  private final ChannelHandlerContext ctx;
  private final Ticker ticker;
  private int clientQuietTicks;
  private @Nullable ScheduledFuture<?> idleTicker;
  private @Nullable ScheduledFuture<?> timer;

  ConnectionClocks(HttpProxyHandler connection, ChannelHandlerContext ctx, long idleNanos) {
    this.connection = connection;
    this.ctx = ctx;
    this.ticker = ctx.executor().ticker();
    long period = idleNanos / 2;
    if (period > 0) {
      idleTicker = ctx.executor().scheduleAtFixedRate(this::idleTick, period, period, TimeUnit.NANOSECONDS);
    }
  }

  Ticker ticker() {
    return ticker;
  }

  /** The client sent something (or a response ended: keep-alive idleness counts from there). */
  void clientActive() {
    clientQuietTicks = 0;
  }

  /** Has the current exchange's {@link Exchange#timeUp} called at or after {@code deadlineNanos}. */
  void wakeAt(long deadlineNanos) {
    if (timer == null) {
      timer = ctx.executor().schedule(this, deadlineNanos - ticker.nanoTime(), TimeUnit.NANOSECONDS);
    }
  }

  /** The request timer. */
  @Override
  public void run() {
    timer = null;
    Exchange e = connection.current();
    if (e == null || connection.closing()) {
      return;
    }
    long now = ticker.nanoTime();
    long next = e.timeUp(now);
    if (next != 0 && timer == null) {
      timer = ctx.executor().schedule(this, next - now, TimeUnit.NANOSECONDS);
    }
  }

  private void idleTick() {
    Exchange e = connection.current();
    Attempt a = e == null ? null : e.attempt();
    if (a != null) {
      a.idleTick(ctx.channel().isWritable());
    }
    if (++clientQuietTicks >= IDLE_TICKS && !connection.closing()) {
      if (e == null) {
        connection.abort(); // idle between exchanges
      } else {
        e.clientIdle(IDLE_TICKS);
      }
    }
  }

  void stop() {
    cancel(idleTicker);
    cancel(timer);
    idleTicker = null;
    timer = null;
  }

  private static void cancel(@Nullable ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
