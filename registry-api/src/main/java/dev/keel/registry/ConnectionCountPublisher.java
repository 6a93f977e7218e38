package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.internal.DaemonThreads;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes how many long-lived connections a server holds in its own registration's metadata
 * ({@link ServiceInstance#CONNECTIONS}), so that one-connection clients in many processes can place
 * and move their connections by the load every instance reports (Keel's connection balancer does
 * when every instance publishes).
 *
 * <pre>{@code
 * Registration registration = registry.register(instance.toBuilder()
 *     .putMetadata(ServiceInstance.CONNECTIONS, "0").build());
 * ConnectionCountPublisher counts = ConnectionCountPublisher.builder(registration).build();
 * // in the server's accept / close hooks:
 * counts.opened();  ...  counts.closed();
 * // before deregistering:
 * counts.close();  registration.close();
 * }</pre>
 *
 * <p><b>Bounded registry writes.</b> Each publication is one {@link Registration#update} — one
 * write that every watcher of the service hears about — so the count is written with hysteresis: at
 * most once per {@code minInterval} (default 2 s), and only when it moved by at least {@code
 * max(1, minChange × published)} (default 5 %) since it was last written. A server whose count
 * holds still writes nothing; one that churns writes at most 0.5 times a second. The published
 * count is therefore within 5 % (or 1) of the true one, or at most {@code minInterval} (plus the
 * registry's propagation) behind it — which is why a client's rebalancing tolerance should be at
 * least twice {@code minChange}.
 *
 * <p>Thread-safe. {@link #opened()} and {@link #closed()} never block (they may be called on an
 * event loop): writes run on the publisher's own daemon thread. A write the registry refuses is
 * retried {@code minInterval} later; a registration that is closed or superseded ends publishing.
 * Ownership: the registration is the caller's; {@link #close()} stops publishing and never closes it.
 */
public final class ConnectionCountPublisher implements AutoCloseable {
  /** Default least time between two writes. */
  public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofSeconds(2);
  /** Default least relative change written (on top of a change of at least one connection). */
  public static final double DEFAULT_MIN_CHANGE = 0.05;

  private static final Logger log = LoggerFactory.getLogger(ConnectionCountPublisher.class);

  /** Runs a task once after a delay; the seam tests replace with a manual clock. */
  @FunctionalInterface
  interface Timer {
    void schedule(Runnable task, long delayNanos);
  }

  private final Registration registration;
  private final long minIntervalNanos;
  private final double minChange;
  private final LongSupplier nanoTime;
  private final Timer timer;
  private final @Nullable ScheduledThreadPoolExecutor ownThread;
  private final AtomicInteger count = new AtomicInteger();
  private final Object lock = new Object();
  @GuardedBy("lock")
  private int published;
  @GuardedBy("lock")
  private long lastWriteAt;
  @GuardedBy("lock")
  private boolean scheduled;
  @GuardedBy("lock")
  private boolean closed;
  @GuardedBy("lock")
  private long writes;
  @GuardedBy("lock")
  private boolean failing;

  ConnectionCountPublisher(Registration registration, Duration minInterval, double minChange,
      LongSupplier nanoTime, @Nullable Timer timer) {
    this.registration = requireNonNull(registration, "registration");
    this.minIntervalNanos = minInterval.toNanos();
    this.minChange = minChange;
    this.nanoTime = nanoTime;
    if (timer == null) {
      ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, new DaemonThreads("keel-connection-count"));
      thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.ownThread = thread;
      this.timer = (task, delay) -> thread.schedule(task, delay, TimeUnit.NANOSECONDS);
    } else {
      this.ownThread = null;
      this.timer = timer;
    }
    synchronized (lock) {
      this.published = registration.instance().publishedConnections();
      this.lastWriteAt = nanoTime.getAsLong() - minIntervalNanos; // the first write may go at once
    }
    if (published() != 0) {
      changed(); // nothing, or something else, published yet: write the count (0) now
    }
  }

  /** A publisher over {@code registration} (which this object never closes). */
  public static Builder builder(Registration registration) {
    return new Builder(registration);
  }

  /** A connection was opened (a transport became ready). Never blocks. */
  public void opened() {
    count.incrementAndGet();
    changed();
  }

  /** A connection counted by {@link #opened()} closed. Never blocks; the count never goes below 0. */
  public void closed() {
    count.updateAndGet(n -> Math.max(0, n - 1));
    changed();
  }

  /** The connections open now. */
  public int count() {
    return count.get();
  }

  /** The count last written to the registry; −1 when none was (nor registered). */
  public int published() {
    synchronized (lock) {
      return published;
    }
  }

  /** Registry writes made so far. */
  public long writes() {
    synchronized (lock) {
      return writes;
    }
  }

  /** Stops publishing (a write under way finishes). Idempotent; the registration stays as it is. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    if (ownThread != null) {
      ownThread.shutdown();
    }
  }

  /** Makes sure a check runs, no sooner than {@code minInterval} after the last write. */
  private void changed() {
    long delay;
    synchronized (lock) {
      if (closed || scheduled) {
        return;
      }
      scheduled = true;
      delay = Math.max(0, lastWriteAt + minIntervalNanos - nanoTime.getAsLong());
    }
    try {
      timer.schedule(this::check, delay);
    } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
      synchronized (lock) {
        scheduled = false;
      }
    }
  }

  /** On the timer: writes the count when it moved far enough from the one published. */
  private void check() {
    int now;
    synchronized (lock) {
      scheduled = false;
      now = count.get();
      if (closed || !worthWriting(now, published)) {
        return;
      }
    }
    boolean retry = false;
    try {
      ServiceInstance current = registration.instance();
      registration.update(current.toBuilder().putMetadata(ServiceInstance.CONNECTIONS, Integer.toString(now)).build());
      synchronized (lock) {
        published = now;
        writes++;
        if (failing) {
          failing = false;
          log.info("{}/{}: publishing the connection count again ({})", current.service(), current.id(), now);
        }
      }
    } catch (IllegalStateException | UnsupportedOperationException e) {
      synchronized (lock) {
        closed = true; // deregistered, superseded, or an adapter that cannot update: nothing to publish to
      }
      if (e instanceof UnsupportedOperationException) {
        log.warn("{}: cannot publish the connection count: {}", registration.instance().id(), e.getMessage());
      }
      return;
    } catch (RuntimeException e) {
      retry = true;
      boolean first;
      synchronized (lock) {
        first = !failing;
        failing = true;
      }
      if (first) {
        log.warn("{}: could not publish the connection count ({}); retrying every {} ms", registration.instance().id(),
            e.getMessage(), TimeUnit.NANOSECONDS.toMillis(minIntervalNanos));
      }
    } finally {
      synchronized (lock) {
        lastWriteAt = nanoTime.getAsLong();
      }
    }
    if (retry || count.get() != now) {
      changed(); // moved while writing, or to retry: look again once the interval is over
    }
  }

  private boolean worthWriting(int now, int last) {
    return last < 0 || Math.abs(now - last) >= Math.max(1.0, minChange * last);
  }

  /** Builder of a {@link ConnectionCountPublisher}; not thread-safe. */
  public static final class Builder {
    private final Registration registration;
    private Duration minInterval = DEFAULT_MIN_INTERVAL;
    private double minChange = DEFAULT_MIN_CHANGE;

    private Builder(Registration registration) {
      this.registration = requireNonNull(registration, "registration");
    }

    /** Least time between two writes, 10 ms..1 h (default 2 s). */
    public Builder minInterval(Duration minInterval) {
      requireNonNull(minInterval, "minInterval");
      if (minInterval.compareTo(Duration.ofMillis(10)) < 0 || minInterval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("minInterval: " + Durations.format(minInterval) + " (expected: 10ms..1h)");
      }
      this.minInterval = minInterval;
      return this;
    }

    /**
     * Least change written, as a fraction of the count last written, 0.0..0.5 (default 0.05); a
     * change of one connection is always the least.
     */
    public Builder minChange(double minChange) {
      if (!(minChange >= 0.0 && minChange <= 0.5)) {
        throw new IllegalArgumentException("minChange: " + minChange + " (expected: 0.0..0.5)");
      }
      this.minChange = minChange;
      return this;
    }

    /** Starts publishing: writes the count (0) at once unless the registration already carries 0. */
    public ConnectionCountPublisher build() {
      return new ConnectionCountPublisher(registration, minInterval, minChange, System::nanoTime, null);
    }
  }
}
