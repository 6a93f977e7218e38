package dev.keel.proxy.listener;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission of a listener's client connections: at most {@code max-connections} open at once,
 * and only while the process keeps its {@link FileDescriptors} reserve. A connection refused is
 * closed at once, before any byte is read (the client sees the connection closed or reset).
 * Thread-safe; called from the event loop that accepted the connection.
 */
public final class ConnectionGate {
  private final int max;
  private final FileDescriptors fds;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  /** @param max connections open at once, 0 for no limit of the listener's own */
  public ConnectionGate(int max, FileDescriptors fds) {
    if (max < 0) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 0, 0 = unlimited)");
    }
    this.max = max;
    this.fds = requireNonNull(fds, "fds");
  }

  /**
   * Counts {@code ch} in when it fits (and out again when it closes), and returns true; or counts
   * a refusal and returns false, and the caller closes it.
   */
  public boolean admit(Channel ch) {
    if ((open.incrementAndGet() > max && max > 0) || !fds.tryAdmit()) {
      open.decrementAndGet();
      refused.increment();
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  /** Connections admitted and still open. */
  public int open() {
    return open.get();
  }

  /** Connections closed at accept because the listener's limit or the descriptor reserve was reached. */
  public long refused() {
    return refused.sum();
  }
}
