package dev.keel.proxy.routing;

import dev.keel.balancer.Endpoint;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ServicesConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services one listener's routes send to, each a balancer watching the registry ({@link
 * OpenService}), kept by settings group (routes whose balancing settings are equal share one) and
 * name. A service a route names by a fixed name is opened with the listener ({@link #pinned}); one
 * named by a placeholder is opened on first use ({@link Group#get}) and closed when unused for
 * {@code services.idle-timeout}, or, beyond {@code services.max-services}, when it is the least
 * recently used (services without instances go first, so a flood of made-up names closes made-up
 * names). A service with requests in flight or tunnels open is not closed for idleness; one closed
 * anyway (beyond the bound) lets its requests in flight finish: they hold their backend.
 *
 * <p>Opening runs on the directory's one thread, never on an event loop (the registry's first
 * resolve may block); the first requests {@link ServiceEntry#await} it, all on one resolve. At most
 * {@link #MAX_PENDING_OPENS} services wait to be opened at once: beyond that a new name is answered
 * at once (503) without asking the registry. Lookups of open services are one map get.
 *
 * <p>Thread-safe. Owns what it opens; {@link #close()} closes everything.
 */
public final class ServiceDirectory<S extends OpenService> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceDirectory.class);
  /** Services waiting for the directory's thread to open them, at most. */
  public static final int MAX_PENDING_OPENS = 256;

  /** Builds a service; blocking is fine (the directory's thread or listener start-up). */
  @FunctionalInterface
  public interface Opener<S> {
    S open(ListenerConfig service);
  }

  private final String listener;
  private final ServicesConfig limits;
  private final Opener<S> opener;
  private final LongSupplier nanoTime;
  private final Supplier<ScheduledExecutorService> executorFactory;
  // made on the first open by name: a listener without placeholders has no thread of its own
  private volatile @Nullable ScheduledExecutorService executor;
  private final List<Group<S>> groups = new CopyOnWriteArrayList<>();
  private final List<Consumer<ServiceEntry<S>>> closeListeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger dynamic = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final LongAdder closedIdle = new LongAdder();
  private final LongAdder closedBound = new LongAdder();
  private volatile boolean closed;

  /**
   * @param executor makes the directory's own thread (one thread: opens, closes, the idle sweep and
   *     first-resolve timers run there), on the first open by name; shut down by {@link #close()}
   */
  public ServiceDirectory(String listener, ServicesConfig limits, Opener<S> opener, LongSupplier nanoTime,
      Supplier<ScheduledExecutorService> executor) {
    this.listener = listener;
    this.limits = limits;
    this.opener = opener;
    this.nanoTime = nanoTime;
    this.executorFactory = executor;
  }

  private ScheduledExecutorService executor() {
    ScheduledExecutorService e = executor;
    if (e == null) {
      synchronized (this) {
        e = executor;
        if (e == null) {
          if (closed) {
            throw new RejectedExecutionException("closed");
          }
          e = executorFactory.get();
          long sweep = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(limits.idleTimeout().toNanos() / 4,
              TimeUnit.SECONDS.toNanos(30)));
          e.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
          executor = e;
        }
      }
    }
    return e;
  }

  /** The directory of {@code listener}'s services, on a thread of its own (made on the first open by name). */
  public static <S extends OpenService> ServiceDirectory<S> of(ListenerConfig listener, Opener<S> opener) {
    return new ServiceDirectory<>(listener.name(), listener.services(), opener, System::nanoTime,
        () -> java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "keel-services-" + listener.name());
          t.setDaemon(true);
          return t;
        }));
  }

  long nanoTime() {
    return nanoTime.getAsLong();
  }

  public ServicesConfig limits() {
    return limits;
  }

  /**
   * The group of services opened with {@code settings} (a route's effective listener settings; its
   * {@code service} is ignored): the same group for equal balancing settings.
   */
  public Group<S> group(ListenerConfig settings) {
    GroupKey key = GroupKey.of(settings);
    synchronized (groups) {
      for (Group<S> g : groups) {
        if (g.key.equals(key)) {
          return g;
        }
      }
      Group<S> g = new Group<>(this, key, settings);
      groups.add(g);
      return g;
    }
  }

  /** Opens {@code settings.service()} now, on the calling thread, for as long as the directory lives. */
  public ServiceEntry<S> pinned(ListenerConfig settings) {
    Group<S> g = group(settings);
    String name = settings.service();
    if (name == null) {
      throw new IllegalArgumentException("listener '" + settings.name() + "': a fixed service needs its name");
    }
    synchronized (g) {
      ServiceEntry<S> e = g.entries.get(name);
      if (e != null) {
        return e; // another fixed route with the same settings: one balancer for both
      }
      ServiceEntry<S> entry = new ServiceEntry<>(this, g, name, true, nanoTime());
      entry.opened(opener.open(g.settings(name)));
      g.entries.put(name, entry);
      return entry;
    }
  }

  /** Calls {@code listener} (on the directory's thread) with every entry closed from now on. */
  public void onClose(Consumer<ServiceEntry<S>> listener) {
    closeListeners.add(listener);
  }

  /** Every entry now, opening ones included. */
  public List<ServiceEntry<S>> entries() {
    List<ServiceEntry<S>> out = new ArrayList<>();
    for (Group<S> g : groups) {
      out.addAll(g.entries.values());
    }
    return out;
  }

  /** Services opened by placeholders now (what {@code max-services} bounds). */
  public int dynamicCount() {
    return dynamic.get();
  }

  /** Services closed for being unused for {@code idle-timeout}. */
  public long closedIdle() {
    return closedIdle.sum();
  }

  /** Services closed as the least recently used beyond {@code max-services}. */
  public long closedBeyondBound() {
    return closedBound.sum();
  }

  private ServiceEntry<S> open(Group<S> g, String name) {
    if (closed || pending.get() >= MAX_PENDING_OPENS) {
      return refused(g, name);
    }
    ServiceEntry<S> fresh = new ServiceEntry<>(this, g, name, false, nanoTime());
    ServiceEntry<S> prior = g.entries.putIfAbsent(name, fresh);
    if (prior != null) {
      return prior;
    }
    dynamic.incrementAndGet();
    pending.incrementAndGet();
    try {
      executor().execute(() -> openNow(fresh));
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet(); // closing meanwhile
      drop(fresh);
      fresh.failedToOpen();
    }
    return fresh;
  }

  /** An entry that is not kept: too many opens pending, or the directory is closed. */
  private ServiceEntry<S> refused(Group<S> g, String name) {
    ServiceEntry<S> e = new ServiceEntry<>(this, g, name, false, nanoTime());
    e.failedToOpen();
    return e;
  }

  private void openNow(ServiceEntry<S> entry) {
    pending.decrementAndGet();
    if (entry.closed()) {
      return;
    }
    closeBeyondBound(entry);
    S s;
    try {
      s = opener.open(entry.group().settings(entry.name()));
    } catch (RuntimeException e) {
      log.warn("listener '{}': service '{}' cannot be opened: {}", listener, entry.name(), e.toString());
      drop(entry);
      entry.failedToOpen();
      notifyClosed(entry);
      return;
    }
    if (closed) {
      s.close();
      entry.failedToOpen();
      return;
    }
    entry.opened(s);
    log.debug("listener '{}': service '{}' opened ({} open by name)", listener, entry.name(), dynamic.get());
  }

  /** Removes {@code entry} from its group's map (if it is still there) and from the count. */
  private void drop(ServiceEntry<S> entry) {
    if (entry.group().entries.remove(entry.name(), entry)) {
      dynamic.decrementAndGet();
    }
  }

  /**
   * Beyond {@code max-services}: closes the least recently used services, those without instances
   * first, then those with nothing in flight; a busy one only when nothing else is left (its
   * requests in flight still finish).
   */
  private void closeBeyondBound(ServiceEntry<S> opening) {
    while (dynamic.get() > limits.maxServices()) {
      ServiceEntry<S> victim = null;
      int victimRank = Integer.MAX_VALUE;
      for (Group<S> g : groups) {
        for (ServiceEntry<S> e : g.entries.values()) {
          S s = e.service();
          if (e == opening || e.pinned() || s == null) {
            continue; // opening ones have requests waiting on them
          }
          int rank = s.picker().state().members().isEmpty() ? 0 : busy(s) ? 2 : 1;
          if (victim == null || rank < victimRank
              || (rank == victimRank && e.lastUsedNanos() - victim.lastUsedNanos() < 0)) {
            victim = e;
            victimRank = rank;
          }
        }
      }
      if (victim == null) {
        return; // everything else is still opening: the bound is exceeded until those are done
      }
      closedBound.increment();
      close(victim, "beyond max-services " + limits.maxServices());
    }
  }

  /** Closes services unused for {@code idle-timeout} that have nothing in flight. */
  void sweep() {
    long now = nanoTime();
    long idle = limits.idleTimeout().toNanos();
    for (Group<S> g : groups) {
      for (ServiceEntry<S> e : g.entries.values()) {
        S s = e.service();
        if (e.pinned() || s == null || now - e.lastUsedNanos() < idle) {
          continue;
        }
        if (busy(s)) {
          e.used(now); // a long request or a tunnel is use too
          continue;
        }
        closedIdle.increment();
        close(e, "unused for " + limits.idleTimeout());
      }
    }
  }

  private static boolean busy(OpenService s) {
    for (Endpoint e : s.picker().state().members()) {
      if (e.inFlight() > 0 || e.activeConnections() > 0) {
        return true;
      }
    }
    return false;
  }

  private void close(ServiceEntry<S> e, @Nullable String why) {
    if (!e.pinned()) {
      drop(e);
    }
    S s = e.markClosed();
    if (s != null) {
      s.close();
    }
    if (why != null) {
      log.debug("listener '{}': service '{}' closed, {}", listener, e.name(), why);
    }
    notifyClosed(e);
  }

  private void notifyClosed(ServiceEntry<S> e) {
    for (Consumer<ServiceEntry<S>> l : closeListeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        log.warn("listener '{}': a close listener of service '{}' failed", listener, e.name(), ex);
      }
    }
  }

  /** Closes every service (pinned ones too) and the directory's thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledExecutorService ex;
    synchronized (this) {
      ex = executor;
    }
    if (ex != null) {
      ex.shutdownNow();
      try {
        ex.awaitTermination(5, TimeUnit.SECONDS); // an open under way finishes (and is closed below)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (ServiceEntry<S> e : entries()) {
      close(e, null);
    }
  }

  /** The balancing settings of a group: what a service's balancer and backends are built from. */
  private record GroupKey(String policy, String persistence, ListenerConfig.Health health,
      java.time.Duration connect) {
    static GroupKey of(ListenerConfig c) {
      // client-ip persistence makes the balancer ring-hash with its load bound (none when strict);
      // cookies and the client-ip headers do not change the balancer
      return new GroupKey(c.policy(), "client-ip".equals(c.persistence().type())
          ? "client-ip/" + c.persistence().clientIp().effectiveHashBalanceFactor() : "", c.health(), c.timeouts().connect());
    }
  }

  /**
   * The services opened with one set of balancing settings, by name. {@link #get} is what a
   * placeholder route calls per request: one map get when the service is open. Thread-safe.
   */
  public static final class Group<S extends OpenService> {
    private final ServiceDirectory<S> directory;
    private final GroupKey key;
    private final ListenerConfig settings;
    final ConcurrentHashMap<String, ServiceEntry<S>> entries = new ConcurrentHashMap<>();

    private Group(ServiceDirectory<S> directory, GroupKey key, ListenerConfig settings) {
      this.directory = directory;
      this.key = key;
      this.settings = settings;
    }

    /** The entry of service {@code name}: open, opening (await it), or, when refused, failed. */
    public ServiceEntry<S> get(String name) {
      ServiceEntry<S> e = entries.get(name);
      return e != null ? e : directory.open(this, name);
    }

    ListenerConfig settings(String name) {
      return Objects.equals(settings.service(), name) ? settings : settings.withService(name);
    }
  }
}
