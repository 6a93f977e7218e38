package dev.keel.proxy.http2;

import java.util.concurrent.TimeUnit;

/**
 * How many PING, SETTINGS and PRIORITY frames a client may send while the proxy sends it nothing
 * of substance: each costs the proxy work (and PING and SETTINGS an acknowledgement) without
 * carrying a request, so a client sending them by the thousand is flooding (CVE-2019-9512, -9515).
 * The count starts again whenever the proxy sends HEADERS or DATA, so gRPC's BDP pings, which follow
 * the data, and keepalive pings, a few a minute, are never near the limit; and every
 * {@value #WINDOW_SECONDS} s. Confined to the connection's event loop.
 */
public final class ControlFrameBudget {
  static final long WINDOW_SECONDS = 10;
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

  private final int max;
  private int count;
  private boolean started;
  private long windowStart;

  /** @param max frames allowed per window without traffic from the proxy; 0: no limit */
  public ControlFrameBudget(int max) {
    this.max = max;
  }

  /** One more control frame came at {@code now} (the loop's ticker): false when it is one too many. */
  public boolean take(long now) {
    if (max == 0) {
      return true;
    }
    if (!started) {
      started = true;
      windowStart = now;
    }
    if (++count <= max) {
      return true;
    }
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      count = 1;
      return true;
    }
    return false;
  }

  /** The proxy sent HEADERS or DATA: the client's control frames are answered traffic again. */
  public void traffic() {
    count = 0;
  }
}
