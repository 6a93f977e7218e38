package dev.keel.proxy.h2up;

import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * The streams of one {@link H2Connection}: those waiting for its instance's SETTINGS, and those
 * running on it (a place taken from the moment a stream starts until its stream closes, so that
 * what the instance counts against its {@code SETTINGS_MAX_CONCURRENT_STREAMS} is never more than
 * this). Tells the connection when it goes from idle to busy and back, and the backend how many
 * streams run on it.
 *
 * <p>Confined to the connection's event loop.
 */
final class H2Slots {
  private final H2Connection conn;
  private final Backend backend;
  private final int assumed;
  private final List<H2Stream> waiting = new ArrayList<>();
  /** In no order: removal swaps the last one in (each stream knows its index). */
  private final List<H2Stream> running = new ArrayList<>();

  H2Slots(H2Connection conn, Backend backend, int assumed) {
    this.conn = conn;
    this.backend = backend;
    this.assumed = assumed;
  }

  int running() {
    return running.size();
  }

  /** Queues {@code s} until the SETTINGS come, while fewer than the assumed capacity wait. */
  boolean offerWaiting(H2Stream s) {
    if (waiting.size() >= assumed) {
      return false;
    }
    waiting.add(s);
    s.waitOn(conn);
    return true;
  }

  /** True when {@code s} was waiting here; it waits no more. */
  boolean unwait(H2Stream s) {
    return waiting.remove(s);
  }

  /** The streams that waited, in order; none waits any more. */
  private List<H2Stream> takeWaiting() {
    List<H2Stream> w = List.copyOf(waiting);
    waiting.clear();
    return w;
  }

  /** The streams running now (a copy: they may end while the caller walks it). */
  private List<H2Stream> takeRunning() {
    return List.copyOf(running);
  }

  /**
   * The instance's first SETTINGS came: the streams that waited start while fewer than {@code
   * capacity} run; the rest are placed again by {@code pool}, on another connection (the instance
   * takes fewer than assumed).
   */
  void startWaiting(int capacity, H2Pool pool) {
    for (H2Stream s : takeWaiting()) {
      if (running.size() < capacity) {
        start(s);
      } else {
        pool.place(s);
      }
    }
  }

  /**
   * Every stream waiting here fails without having been sent: as refused ({@code refused}: the
   * instance's GOAWAY came first), else as a failed connect; the exchange retries it either way.
   */
  void failWaiting(Throwable cause, boolean refused) {
    for (H2Stream s : takeWaiting()) {
      s.fail(FailureKind.CONNECT, cause, refused);
    }
  }

  /** The connection is gone: every stream running here gives its place back and ends with {@code cause}. */
  void closeRunning(Throwable cause) {
    for (H2Stream s : takeRunning()) {
      remove(s);
      s.closed(cause);
    }
  }

  /** Starts {@code s} here: it has its place, and hears it is ready. */
  void start(H2Stream s) {
    s.index = running.size();
    running.add(s);
    if (running.size() == 1) {
      conn.busy();
    }
    backend.streamOpened();
    s.start(conn);
  }

  /** {@code s} gives its place back (its stream closed, or it never opened one). */
  void remove(H2Stream s) {
    int i = s.index;
    if (i < 0 || i >= running.size() || running.get(i) != s) {
      return;
    }
    H2Stream last = running.remove(running.size() - 1);
    if (last != s) {
      running.set(i, last);
      last.index = i;
    }
    s.index = -1;
    backend.streamClosed();
    if (running.isEmpty()) {
      conn.idle();
    }
  }
}
