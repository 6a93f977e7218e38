package dev.keel.registry.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guards every adapter gets, around a raw adapter client: one upstream watch per service
 * shared by all its listeners, empty-push protection, the snapshot cache, dropping of no-op
 * updates, and ordered per-listener delivery on dispatch threads. Not public API.
 */
public final class GuardedRegistryClient implements RegistryClient {
  private static final Logger log = LoggerFactory.getLogger(GuardedRegistryClient.class);

  private final RegistryClient delegate;
  private final RegistryOptions options;
  private final @Nullable SnapshotCache cache;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  private final Map<String, ServiceWatch> watches = new HashMap<>();
  // The last non-empty fresh read of each service not watched yet: what a watch's first push is
  // compared with, so that an empty first push (an adapter that lost its connection while loading)
  // is held and confirmed like any emptying update. Guarded by this.
  private final Map<String, InstanceSet> lastResolved = new HashMap<>();
  private boolean closed;

  public GuardedRegistryClient(RegistryClient delegate, RegistryOptions options) {
    this.delegate = requireNonNull(delegate, "delegate");
    this.options = requireNonNull(options, "options");
    this.cache = options.snapshotDir() == null ? null : new SnapshotCache(options.snapshotDir());
    this.pool = Executors.newCachedThreadPool(new DaemonThreads("keel-registry-dispatch"));
    this.timer = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("keel-registry-timer"));
  }

  /** The adapter's own client, for adapter-specific calls. */
  public RegistryClient delegate() {
    return delegate;
  }

  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    checkOpen();
    return delegate.register(instance);
  }

  @Override
  public InstanceSet resolve(String service) {
    checkService(service);
    checkOpen();
    ServiceWatch watch;
    synchronized (this) {
      watch = watches.get(service);
    }
    InstanceSet current = watch == null ? null : watch.current;
    if (current != null) {
      return current;
    }
    try {
      InstanceSet fresh = delegate.resolve(service);
      if (cache != null && !fresh.stale()) {
        cache.write(fresh);
      }
      rememberResolved(fresh);
      return fresh;
    } catch (RegistryException e) {
      InstanceSet cached = cache == null ? null : cache.read(service);
      if (cached == null) {
        throw e;
      }
      log.warn("registry unreachable ({}); serving the cached snapshot of '{}' ({} instances, stale)",
          e.getMessage(), service, cached.size());
      return cached;
    }
  }

  private void rememberResolved(InstanceSet fresh) {
    if (fresh.isEmpty()) {
      return;
    }
    synchronized (this) {
      ServiceWatch w = watches.get(fresh.service());
      if (w == null) {
        lastResolved.put(fresh.service(), fresh);
      } else if (w.current == null) {
        w.seed = fresh;
      }
    }
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    checkService(service);
    requireNonNull(listener, "listener");
    ServiceWatch watch;
    synchronized (this) {
      checkOpen();
      watch = watches.get(service);
      if (watch == null) {
        watch = new ServiceWatch(service, lastResolved.remove(service));
        watches.put(service, watch);
        watch.start();
      }
      watch.listenerCount++;
    }
    ServiceWatch w = watch;
    Listener handle = w.add(listener);
    java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      handle.closed = true;
      boolean last = w.remove(handle);
      if (last) {
        synchronized (this) {
          if (watches.get(service) == w && w.isUnused()) {
            watches.remove(service);
            w.stop();
          }
        }
      }
    };
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      watches.values().forEach(ServiceWatch::stop);
      watches.clear();
    }
    try {
      delegate.close();
    } finally {
      timer.shutdownNow();
      pool.shutdown();
    }
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  private static void checkService(String service) {
    requireNonNull(service, "service");
    if (service.isBlank()) {
      throw new IllegalArgumentException("service: '" + service + "' (expected: a non-blank string)");
    }
  }

  /** One listener and its own serial lane, so a slow listener holds up only itself. */
  private final class Listener {
    final Consumer<InstanceSet> consumer;
    final SerialExecutor lane = new SerialExecutor(pool);
    volatile boolean closed;

    Listener(Consumer<InstanceSet> consumer) {
      this.consumer = consumer;
    }

    void deliver(InstanceSet set) {
      lane.execute(() -> {
        if (closed) {
          return;
        }
        try {
          consumer.accept(set);
        } catch (Throwable t) {
          log.warn("a listener of service '{}' threw; it stays subscribed", set.service(), t);
        }
      });
    }
  }

  /** The shared upstream watch of one service; all its state changes run on {@link #serial}. */
  private final class ServiceWatch {
    final String service;
    final SerialExecutor serial = new SerialExecutor(pool);
    final java.util.List<Listener> listeners = new java.util.ArrayList<>(); // on serial only
    int listenerCount; // guarded by GuardedRegistryClient.this
    volatile @Nullable InstanceSet current;
    // Until the first set is applied: the last non-empty fresh read, standing in for current
    // when an update is checked for emptying.
    volatile @Nullable InstanceSet seed;
    @Nullable Subscription upstream;
    long holdGeneration; // on serial; bumps cancel a pending empty confirmation
    boolean holding; // on serial
    volatile boolean stopped;

    ServiceWatch(String service, @Nullable InstanceSet seed) {
      this.service = service;
      this.seed = seed;
    }

    void start() {
      upstream = delegate.watch(service, set -> serial.execute(() -> onUpstream(set)));
      // Cold start with the registry unreachable: serve the cached set, marked stale.
      if (cache != null) {
        timer.schedule(() -> serial.execute(() -> {
          if (current == null && !stopped) {
            InstanceSet cached = cache.read(service);
            if (cached != null) {
              log.warn("no answer from the registry for '{}' within {}; serving the cached snapshot ({} instances, stale)",
                  service, options.resolveTimeout(), cached.size());
              apply(cached);
            }
          }
        }), options.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    Listener add(Consumer<InstanceSet> consumer) {
      Listener l = new Listener(consumer);
      serial.execute(() -> {
        listeners.add(l);
        InstanceSet now = current;
        if (now != null) {
          l.deliver(now);
        }
      });
      return l;
    }

    /** True when that was the last listener. */
    boolean remove(Listener l) {
      serial.execute(() -> listeners.remove(l));
      synchronized (GuardedRegistryClient.this) {
        return --listenerCount == 0;
      }
    }

    boolean isUnused() {
      return listenerCount == 0;
    }

    void stop() {
      stopped = true;
      Subscription s = upstream;
      if (s != null) {
        s.close();
      }
    }

    private void onUpstream(InstanceSet set) {
      if (stopped) {
        return;
      }
      InstanceSet now = current != null ? current : seed;
      if (set.isEmpty() && now != null && !now.isEmpty() && options.emptyProtection()) { // would empty it
        if (!holding) {
          holding = true;
          long generation = ++holdGeneration;
          log.warn("registry update would empty service '{}' ({} instances); holding it for {} to confirm",
              service, now.size(), options.emptyConfirmDelay());
          scheduleConfirm(generation);
        }
        return;
      }
      if (holding) {
        holding = false;
        holdGeneration++;
        log.info("service '{}' has instances again ({}); the held empty update is dropped", service, set.size());
      }
      apply(set);
    }

    private void scheduleConfirm(long generation) {
      timer.schedule(() -> pool.execute(() -> confirmEmpty(generation)),
          options.emptyConfirmDelay().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs on a pool thread: the fresh read may block. */
    private void confirmEmpty(long generation) {
      if (stopped) {
        return;
      }
      InstanceSet fresh;
      try {
        fresh = delegate.resolve(service);
      } catch (RuntimeException e) {
        log.warn("could not confirm that service '{}' is empty ({}); still holding", service, e.toString());
        scheduleConfirm(generation);
        return;
      }
      serial.execute(() -> {
        if (!holding || holdGeneration != generation || stopped) {
          return;
        }
        holding = false;
        if (fresh.isEmpty()) {
          log.warn("service '{}' confirmed empty by a fresh read; applying the empty set", service);
        } else {
          log.info("a fresh read of service '{}' found {} instances; the empty update was spurious", service, fresh.size());
        }
        apply(fresh);
      });
    }

    private void apply(InstanceSet set) {
      InstanceSet now = current;
      if (set.equals(now)) {
        return;
      }
      if (now != null && set.revision() < now.revision()) {
        set = set.withRevision(now.revision());
      }
      current = set;
      if (cache != null && !set.stale()) {
        cache.write(set);
      }
      for (Listener l : listeners) {
        l.deliver(set);
      }
    }
  }
}
