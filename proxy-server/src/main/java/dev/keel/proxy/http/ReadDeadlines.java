package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client connection's header-read and body-read deadlines (slowloris, slow bodies): a request
 * head must be complete within {@code headerNanos} of its first byte, and its body within
 * {@code bodyNanos} of the head's end, extended by 1 s per {@value #MIN_BODY_RATE} bytes received
 * (so an upload at a normal rate is never cut, one trickling slower than that is; 0: no deadline).
 * When one passes, the proxy handler's callback runs; it answers 408 (or just closes when a
 * response has started). Between requests nothing is timed (the idle timeout covers that); once
 * the connection is a tunnel, neither is. While the proxy holds the client back because the
 * upstream takes no more ({@link #pause}), the body deadline stands still: that wait is the
 * instance's, not the client's (issue 21 item 2).
 *
 * <p>Not a pipeline handler: the request decoder reports bytes ({@link #onBytes}) and the end of
 * each read ({@link #settle}), the proxy handler reports decoded messages ({@link #onMessage}), so
 * a request costs no extra pipeline hop, and one read whole in a single read no clock reading.
 * One timer per connection, re-armed lazily. Time is the event loop's {@link Ticker} (a fake one in
 * tests). Confined to the connection's event loop.
 */
public final class ReadDeadlines implements Runnable {
  private static final int BETWEEN = 0;
  private static final int HEAD = 1;
  private static final int BODY = 2;
  private static final int STOPPED = 3;
  /** Bytes per second a body must keep up to stretch its deadline (as Apache's mod_reqtimeout MinRate). */
  static final int MIN_BODY_RATE = 500;
  private static final long NANOS_PER_BODY_BYTE = TimeUnit.SECONDS.toNanos(1) / MIN_BODY_RATE;

  private final long headerNanos;
  private final long bodyNanos;
  private @Nullable EventExecutor executor;
  private @Nullable Runnable onExpired;
  private @Nullable ScheduledFuture<?> timer;
  private int state = BETWEEN;
  // the state was entered in the read being processed and has no deadline yet (see settle)
  private boolean unarmed;
  private long deadline;
  // paused: the body deadline stands still, with this much left
  private boolean paused;
  private long left;

  public ReadDeadlines(long headerNanos, long bodyNanos) {
    this.headerNanos = headerNanos;
    this.bodyNanos = bodyNanos;
  }

  /** Starts timing on {@code executor} (the connection's loop); {@code onExpired} runs there when a deadline passes. */
  void start(EventExecutor executor, Runnable onExpired) {
    this.executor = executor;
    this.onExpired = onExpired;
  }

  /** The request decoder has bytes to decode: the first byte of a request starts its head deadline. */
  void onBytes() {
    if (state == BETWEEN) {
      state = HEAD;
      unarmed = true;
    }
  }

  /** A decoded client message: the head's end starts the body deadline, body bytes stretch it, the end stops it. */
  void onMessage(Object msg) {
    if (state == STOPPED) {
      return;
    }
    if (msg instanceof HttpRequest) {
      state = BODY;
      unarmed = true;
    }
    if (msg instanceof LastHttpContent) {
      state = BETWEEN;
      unarmed = false;
      paused = false;
    } else if (state == BODY && !unarmed && msg instanceof HttpContent) {
      deadline += ((HttpContent) msg).content().readableBytes() * NANOS_PER_BODY_BYTE;
    }
  }

  /**
   * The read is processed: a head or body that began in it and is still incomplete gets its
   * deadline now. A request read whole in one go (the common case) never reads the clock.
   */
  void settle() {
    if (unarmed) {
      unarmed = false;
      if (state == HEAD) {
        arm(HEAD, headerNanos);
      } else if (state == BODY) {
        arm(BODY, bodyNanos);
      }
    }
  }

  /** The proxy stops reading the client because the upstream takes no more: the body deadline stands still. */
  void pause() {
    if (state == BODY && !unarmed && !paused) {
      paused = true;
      left = deadline - now();
    }
  }

  /** The proxy reads the client again: the body deadline runs on from where it stood. */
  void resume() {
    if (paused) {
      paused = false;
      deadline = now() + left;
      EventExecutor e = executor;
      if (timer == null && e != null) {
        timer = e.schedule(this, Math.max(0, left), TimeUnit.NANOSECONDS);
      }
    }
  }

  private long now() {
    EventExecutor e = executor;
    return e == null ? Ticker.systemTicker().nanoTime() : e.ticker().nanoTime();
  }

  /** No more deadlines on this connection (it became a tunnel, or closed). */
  void stop() {
    state = STOPPED;
    unarmed = false;
    paused = false;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  private void arm(int next, long nanos) {
    if (nanos <= 0) {
      state = BETWEEN;
      return;
    }
    state = next;
    paused = false;
    deadline = now() + nanos;
    EventExecutor e = executor;
    if (timer == null && e != null) {
      timer = e.schedule(this, nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void run() {
    timer = null;
    EventExecutor e = executor;
    Runnable expired = onExpired;
    if (state == BETWEEN || state == STOPPED || paused || e == null || expired == null) {
      return; // a paused deadline is re-armed by resume
    }
    long remaining = deadline - now();
    if (remaining > 0) {
      timer = e.schedule(this, remaining, TimeUnit.NANOSECONDS);
      return;
    }
    state = BETWEEN;
    expired.run();
  }
}
