package dev.keel.proxy.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One service of a {@link ServiceDirectory}, by name, with the balancing settings of the routes that
 * share it. It is {@code OPENING} (its balancer is being built, the registry asked for its
 * instances), then {@code OPEN}, then {@code CLOSED} (idle, beyond the bound, failed to open, or the
 * listener closed); a closed entry never opens again: {@link #live()} gives the one that replaces it.
 *
 * <p>Requests ask for {@link #service()}; while it is null they may {@link #await} the first resolve.
 * Thread-safe: read on event loops without locks; state changes run on the directory's thread.
 */
public final class ServiceEntry<S extends OpenService> {
  /** Updates of the last-use time closer together than this are skipped (no write per request). */
  private static final long TOUCH_NANOS = 100_000_000L;

  enum State { OPENING, OPEN, CLOSED }

  private final ServiceDirectory<S> directory;
  private final ServiceDirectory.Group<S> group;
  private final String name;
  private final boolean pinned;
  private final LongAdder requests = new LongAdder();
  private volatile State state = State.OPENING;
  private volatile @Nullable S service;
  private volatile long lastUsed;
  private volatile boolean waitOver;
  private volatile boolean failed;
  private final long created;
  // guarded by this: a first-resolve timer was started
  private boolean timed;
  // guarded by this; null once nobody may wait any more
  private @Nullable List<Runnable> waiters = new ArrayList<>(2);

  ServiceEntry(ServiceDirectory<S> directory, ServiceDirectory.Group<S> group, String name, boolean pinned, long now) {
    this.directory = directory;
    this.group = group;
    this.name = name;
    this.pinned = pinned;
    this.lastUsed = now;
    this.created = now;
  }

  public String name() {
    return name;
  }

  /** True for a service a route names by a fixed name: open while the listener runs, never counted or closed early. */
  public boolean pinned() {
    return pinned;
  }

  /** The open service, or null while it opens or once it is closed. */
  public @Nullable S service() {
    return service;
  }

  /** {@code opening}, {@code open} or {@code closed}, for status. */
  public String state() {
    return state.name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean closed() {
    return state == State.CLOSED;
  }

  /** True when opening failed (the balancer could not be built): requests waiting on it get 503. */
  public boolean failed() {
    return failed;
  }

  /** How long the first requests wait for the first resolve ({@code services.first-resolve}). */
  public java.time.Duration firstResolve() {
    return directory.limits().firstResolve();
  }

  /** Requests routed to this service. */
  public long requests() {
    return requests.sum();
  }

  /** The last time a request used it, on the directory's clock (nanoseconds). */
  public long lastUsedNanos() {
    return lastUsed;
  }

  /** The settings group (one per distinct route balancing settings) this service belongs to. */
  ServiceDirectory.Group<S> group() {
    return group;
  }

  /** A request was routed here: counted, and the service stays open (allocation-free). */
  public void touch() {
    requests.increment();
    long now = directory.nanoTime();
    if (now - lastUsed > TOUCH_NANOS) {
      lastUsed = now;
    }
  }

  /** Counts as used at {@code now} without a request (something long-lived is under way). */
  void used(long now) {
    lastUsed = now;
  }

  /**
   * This entry while it is not closed; once it is (idle or beyond the bound, between the lookup and
   * now), the directory's live entry for the same name, opened anew when needed. A failed entry stays:
   * its requests get 503.
   */
  public ServiceEntry<S> live() {
    return state == State.CLOSED && !failed ? group.get(name) : this;
  }

  /**
   * Has {@code wake} run on {@code loop} once the service is open, failed, closed, or the listener's
   * {@code services.first-resolve} time (from the first request) has passed, whichever comes first.
   * The time is kept by a timer on the loop of the first request that waits: the directory's own
   * thread may be busy with a slow registry, which is what the time bounds.
   *
   * @return false when there is nothing to wait for (not opening any more, or the time has passed):
   *     {@code wake} will not run
   */
  public boolean await(ScheduledExecutorService loop, Runnable wake) {
    long remaining;
    boolean first;
    synchronized (this) {
      List<Runnable> w = waiters;
      if (w == null || state != State.OPENING || waitOver) {
        return false;
      }
      remaining = directory.limits().firstResolve().toNanos() - (directory.nanoTime() - created);
      if (remaining > 0) {
        w.add(() -> loop.execute(wake));
      }
      first = !timed;
      timed = true;
    }
    if (remaining <= 0) {
      waitOver();
      return false;
    }
    if (first) {
      loop.schedule(this::waitOver, remaining, TimeUnit.NANOSECONDS);
    }
    return true;
  }

  /** The first-resolve time passed: waiting requests are woken (and answered 503 if still opening). */
  void waitOver() {
    waitOver = true;
    wakeAll();
  }

  void opened(S s) {
    service = s;
    state = State.OPEN;
    wakeAll();
  }

  void failedToOpen() {
    failed = true;
    state = State.CLOSED;
    wakeAll();
  }

  /** Marks it closed and returns its service to close (null when it never opened). */
  @Nullable S markClosed() {
    S s;
    synchronized (this) {
      state = State.CLOSED;
      s = service;
      service = null;
    }
    wakeAll();
    return s;
  }

  private void wakeAll() {
    List<Runnable> w;
    synchronized (this) {
      w = waiters;
      waiters = state == State.OPENING && !waitOver ? new ArrayList<>(2) : null;
    }
    if (w != null) {
      for (Runnable r : w) {
        r.run();
      }
    }
  }

  @Override
  public String toString() {
    return "service '" + name + "' (" + state() + ")";
  }
}
