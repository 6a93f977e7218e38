package dev.keel.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The clocks of one HTTP/2 client connection, as {@link ConnectionClocks} are of an HTTP/1.1 one,
 * none of them per stream: one timer for the streams' deadlines ({@code timeouts.request}, gRPC's
 * {@code grpc-timeout}), armed for the earliest and re-armed as they pass; and the idle ticker,
 * every half idle timeout, which ticks each stream (a stalled response or body, as on HTTP/1.1; gRPC
 * streams excepted) and closes the connection, with a GOAWAY, after {@value
 * ConnectionClocks#IDLE_TICKS} ticks without any stream; and {@code http2.max-connection-age}, after
 * which the connection drains ({@link Http2ProxyHandler#goAway}). Time is the loop's {@link Ticker}.
 * Confined to the connection's event loop.
 */
final class Http2Clocks implements Runnable {
  private final Http2ProxyHandler connection;
  private final ChannelHandlerContext ctx;
  private final Ticker ticker;
  private int quietTicks;
  private @Nullable ScheduledFuture<?> idleTicker;
  private @Nullable ScheduledFuture<?> timer;
  private long timerAt;
  private @Nullable ScheduledFuture<?> age;

  /** @param ageNanos {@code http2.max-connection-age}, 0 for none */
  Http2Clocks(Http2ProxyHandler connection, ChannelHandlerContext ctx, long idleNanos, long ageNanos) {
    this.connection = connection;
    this.ctx = ctx;
    this.ticker = ctx.executor().ticker();
    long period = idleNanos / 2;
    if (period > 0) {
      idleTicker = ctx.executor().scheduleAtFixedRate(this::idleTick, period, period, TimeUnit.NANOSECONDS);
    }
    if (ageNanos > 0) {
      // ±10 % (gRFC A9), so that connections opened together do not all reconnect together
      long jittered = (long) (ageNanos * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
      age = ctx.executor().schedule(() -> connection.goAway("max-connection-age"), jittered, TimeUnit.NANOSECONDS);
    }
  }

  /** A stream began: the connection is not idle. */
  void streamBegan() {
    quietTicks = 0;
  }

  /** Has the streams' deadlines looked at, at or after {@code deadlineNanos}. */
  void wakeAt(long deadlineNanos) {
    ScheduledFuture<?> t = timer;
    if (t != null && timerAt - deadlineNanos <= 0) {
      return; // an earlier wake-up looks at this one too
    }
    if (t != null) {
      t.cancel(false);
    }
    timerAt = deadlineNanos;
    timer = ctx.executor().schedule(this, Math.max(0, deadlineNanos - ticker.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** The deadline timer. */
  @Override
  public void run() {
    timer = null;
    long now = ticker.nanoTime();
    long[] next = {0};
    connection.forEachStream(s -> {
      long n = s.timeUp(now);
      if (n != 0 && (next[0] == 0 || n - next[0] < 0)) {
        next[0] = n;
      }
    });
    if (next[0] != 0 && ctx.channel().isActive()) {
      wakeAt(next[0]);
    }
  }

  private void idleTick() {
    connection.forEachStream(s -> s.idleTick(ConnectionClocks.IDLE_TICKS));
    if (connection.connection().numActiveStreams() > 0) {
      quietTicks = 0;
    } else if (++quietTicks >= ConnectionClocks.IDLE_TICKS && ctx.channel().isActive()) {
      connection.idle();
    }
  }

  void stop() {
    cancel(idleTicker);
    cancel(timer);
    cancel(age);
    idleTicker = null;
    timer = null;
    age = null;
  }

  private static void cancel(@Nullable ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
