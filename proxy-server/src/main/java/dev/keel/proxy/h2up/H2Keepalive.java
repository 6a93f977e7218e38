package dev.keel.proxy.h2up;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The clocks of one {@link H2Connection}, on one periodic tick (no clock read per frame: a frame
 * only sets a flag): a connection the instance has been silent on for {@code upstream.ping-interval}
 * is sent a PING, and closed as dead when no answer comes within {@code upstream.ping-timeout}; one
 * without streams for the idle timeout, or to an instance that left discovery, is closed.
 *
 * <p>Why the interval defaults to 5 minutes: gRPC servers count PINGs on a connection that sent
 * them nothing in between and answer more than two sooner than 5 minutes apart (their default
 * {@code permitKeepAliveTime}) with GOAWAY ENHANCE_YOUR_CALM. A dead connection under streams is
 * found sooner anyway: a stream given up without an answer (its {@code timeouts.request} passed)
 * sends a probe PING when the connection was silent for the ping timeout ({@link #probe()}).
 *
 * <p>Confined to the connection's event loop.
 */
final class H2Keepalive implements Runnable {
  private final H2Connection conn;
  private final H2Options options;
  private final Ticker ticker;
  private final @Nullable ScheduledFuture<?> tick;
  private boolean heard;
  private long lastHeard;
  private boolean busy;
  private long idleSince;
  private boolean outstanding;
  private long pingSent;
  private long pingData;
  private boolean stopped;

  H2Keepalive(H2Connection conn, ChannelHandlerContext ctx, H2Options options) {
    this.conn = conn;
    this.options = options;
    this.ticker = ctx.executor().ticker();
    long now = ticker.nanoTime();
    lastHeard = now;
    idleSince = now;
    long period = period(options);
    tick = period > 0 ? ctx.executor().scheduleAtFixedRate(this, period, period, TimeUnit.NANOSECONDS) : null;
  }

  /** Half the shortest clock that runs: a deadline is noticed within half of itself late at most. */
  private static long period(H2Options o) {
    long p = Long.MAX_VALUE;
    if (o.pingIntervalNanos() > 0) {
      p = Math.min(p, o.pingIntervalNanos() / 2);
    }
    if (o.pingTimeoutNanos() > 0) {
      p = Math.min(p, o.pingTimeoutNanos() / 2); // probes time out even with the interval off
    }
    if (o.idleNanos() > 0) {
      p = Math.min(p, o.idleNanos() / 2);
    }
    return p == Long.MAX_VALUE ? 0 : Math.max(p, 1);
  }

  /** Something came from the instance. */
  void heard() {
    heard = true;
  }

  void busy() {
    busy = true;
  }

  void idle() {
    busy = false;
    idleSince = ticker.nanoTime();
  }

  /** A stream was given up without an answer: PING now if the instance has been silent a ping timeout. */
  void probe() {
    long now = ticker.nanoTime();
    if (heard) {
      heard = false;
      lastHeard = now;
    }
    if (!stopped && !outstanding && options.pingTimeoutNanos() > 0 && now - lastHeard >= options.pingTimeoutNanos()) {
      ping(now);
    }
  }

  void answered(long data) {
    if (outstanding && data == pingData) {
      outstanding = false;
    }
  }

  @Override
  public void run() {
    if (stopped) {
      return;
    }
    long now = ticker.nanoTime();
    if (heard) {
      heard = false;
      lastHeard = now;
    }
    if (outstanding && options.pingTimeoutNanos() > 0 && now - pingSent >= options.pingTimeoutNanos()) {
      stop();
      conn.dead();
    } else if (!busy && options.idleNanos() > 0 && now - idleSince >= options.idleNanos()) {
      stop();
      conn.close("idle for the idle timeout");
    } else if (!busy && conn.backend().removed()) {
      stop();
      conn.close("its instance left discovery");
    } else if (!outstanding && options.pingIntervalNanos() > 0 && now - lastHeard >= options.pingIntervalNanos()) {
      ping(now);
    }
  }

  private void ping(long now) {
    outstanding = true;
    pingSent = now;
    pingData = now;
    conn.ping(now);
  }

  void stop() {
    stopped = true;
    ScheduledFuture<?> t = tick;
    if (t != null) {
      t.cancel(false);
    }
  }
}
