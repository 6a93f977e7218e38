package dev.keel.registry.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryLimits;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The guards every adapter gets, around a raw adapter client: one upstream watch per service
 * shared by all its listeners ({@link GuardedWatch}), empty-push protection, the snapshot cache,
 * dropping of no-op updates, ordered per-listener delivery on dispatch threads, and the registry's
 * reachability carried into what is served: sets marked stale while it is unreachable, and a
 * {@code resolve} that fails at once, saying so, rather than answering "no instances". Not public API.
 */
public final class GuardedRegistryClient implements RegistryClient {
  private final RegistryClient delegate;
  private final String name;
  private final RegistryOptions options;
  private final @Nullable SnapshotCache cache;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  private final Map<String, GuardedWatch> watches = new HashMap<>(); // guarded by this
  // The last non-empty fresh read of each service not watched yet: what a watch's first push is
  // compared with, so that an empty first push (an adapter that lost its connection while loading)
  // is held and confirmed like any emptying update. Guarded by this.
  private final Map<String, InstanceSet> lastResolved = new HashMap<>();
  private final Object healthChanged = new Object();
  private final Subscription healthSubscription;
  private boolean closed; // guarded by this

  /** Guards {@code delegate}; {@code name} is what {@link #toString()} shows (scheme and address, no secret). */
  public GuardedRegistryClient(RegistryClient delegate, RegistryOptions options, String name) {
    this.delegate = requireNonNull(delegate, "delegate");
    this.options = requireNonNull(options, "options");
    this.name = requireNonNull(name, "name");
    this.cache = options.snapshotDir() == null ? null : new SnapshotCache(options.snapshotDir());
    this.pool = Executors.newCachedThreadPool(new DaemonThreads("keel-registry-dispatch"));
    this.timer = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("keel-registry-timer"));
    this.healthSubscription = delegate.onHealthChange(this::onHealth);
  }

  /** Guards {@code delegate}, named by its own {@code toString()}. */
  public GuardedRegistryClient(RegistryClient delegate, RegistryOptions options) {
    this(delegate, options, delegate.toString());
  }

  /** The adapter's own client, for adapter-specific calls. */
  public RegistryClient delegate() {
    return delegate;
  }

  @Override
  public RegistryLimits limits() {
    return delegate.limits();
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
    GuardedWatch watch;
    synchronized (this) {
      watch = watches.get(service);
    }
    InstanceSet current = watch == null ? null : watch.current;
    if (current != null) {
      return current;
    }
    RegistryHealth health = awaitKnown();
    if (health.state() != RegistryHealth.State.REACHABLE) {
      // Known unreachable: fail now with the reason, rather than block for the timeout and then
      // look like a service without instances.
      return cachedOr(service, new RegistryException(unreachable(service, health)));
    }
    try {
      InstanceSet fresh = delegate.resolve(service);
      if (cache != null && !fresh.stale()) {
        cache.write(fresh);
      }
      rememberResolved(fresh);
      return fresh;
    } catch (RegistryException e) {
      return cachedOr(service, new RegistryException("cannot resolve '" + service + "' from " + name + ": "
          + e.getMessage(), e));
    }
  }

  private InstanceSet cachedOr(String service, RegistryException e) {
    InstanceSet cached = cache == null ? null : cache.read(service);
    if (cached == null) {
      throw e;
    }
    return cached;
  }

  private String unreachable(String service, RegistryHealth h) {
    return "cannot resolve '" + service + "': registry " + name + " is unreachable (" + h.state().label()
        + " since " + h.since() + (h.cause() == null ? "" : ": " + h.cause()) + ")"
        + (cache == null ? "" : "; no cached snapshot of '" + service + "' either");
  }

  /**
   * The adapter's health once it is known: waits while it is still connecting, up to the resolve
   * timeout. Still connecting then counts as unreachable.
   */
  private RegistryHealth awaitKnown() {
    long deadline = System.nanoTime() + options.resolveTimeout().toNanos();
    synchronized (healthChanged) {
      RegistryHealth h = delegate.health();
      while (h.state() == RegistryHealth.State.CONNECTING) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return RegistryHealth.of(h.registry(), RegistryHealth.State.UNREACHABLE, h.since(),
              "no answer within " + options.resolveTimeout(), h.malformedEntries(), h.outages());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(healthChanged, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RegistryException("interrupted while connecting to " + name, e);
        }
        h = delegate.health();
      }
      return h;
    }
  }

  private void onHealth(RegistryHealth h) {
    synchronized (healthChanged) {
      healthChanged.notifyAll();
    }
    List<GuardedWatch> all;
    synchronized (this) {
      all = new ArrayList<>(watches.values());
    }
    for (GuardedWatch w : all) {
      if (h.state() == RegistryHealth.State.UNREACHABLE) {
        w.serial.execute(w::registryUnreachable);
      } else if (h.state() == RegistryHealth.State.REACHABLE) {
        w.serial.execute(w::registryReachable);
      }
    }
  }

  private void rememberResolved(InstanceSet fresh) {
    if (fresh.isEmpty()) {
      return;
    }
    synchronized (this) {
      GuardedWatch w = watches.get(fresh.service());
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
    GuardedWatch watch;
    synchronized (this) {
      checkOpen();
      watch = watches.get(service);
      if (watch == null) {
        watch = new GuardedWatch(service, delegate, options, cache, pool, timer, lastResolved.remove(service));
        watches.put(service, watch);
        watch.start(delegate.health().state() == RegistryHealth.State.UNREACHABLE);
      }
      watch.listenerCount++;
    }
    GuardedWatch w = watch;
    GuardedWatch.Listener handle = w.add(listener);
    AtomicBoolean once = new AtomicBoolean();
    return () -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      handle.closed = true;
      w.remove(handle);
      synchronized (this) {
        if (--w.listenerCount == 0 && watches.get(service) == w) {
          watches.remove(service);
          w.stop();
        }
      }
    };
  }

  @Override
  public List<String> services() {
    checkOpen();
    return delegate.services();
  }

  /** The adapter's health, naming the registry as {@link #toString()} does. */
  @Override
  public RegistryHealth health() {
    return named(delegate.health());
  }

  @Override
  public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    requireNonNull(listener, "listener");
    return delegate.onHealthChange(h -> listener.accept(named(h)));
  }

  private RegistryHealth named(RegistryHealth h) {
    return h.registry().equals(name) ? h
        : RegistryHealth.of(name, h.state(), h.since(), h.cause(), h.malformedEntries(), h.outages());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      watches.values().forEach(GuardedWatch::stop);
      watches.clear();
    }
    healthSubscription.close();
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

  /** The registry by scheme and address, without secrets: {@code etcd://127.0.0.1:2379}. */
  @Override
  public String toString() {
    return name;
  }
}
