package dev.keel.registry.internal;

import dev.keel.registry.Durations;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared upstream watch of one service behind {@link GuardedRegistryClient}: every listener of
 * the service hangs off it, each on a lane of its own. All its state changes run on {@link #serial}.
 *
 * <p>What it guards: an update that would empty a non-empty set is held until a fresh read confirms
 * it; a cached snapshot stands in at a cold start with the registry unreachable; when the registry
 * becomes unreachable the current set is re-published marked stale, and once it is reachable again
 * it stays stale until a fresh read or a new push confirms it.
 */
final class GuardedWatch {
  private static final Logger log = LoggerFactory.getLogger(GuardedRegistryClient.class);
  /** How long to wait before reading again when a confirming read disagreed with the current set. */
  private static final long RECONFIRM_MILLIS = 1_000;

  private final String service;
  private final RegistryClient delegate;
  private final RegistryOptions options;
  private final @Nullable SnapshotCache cache;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  final SerialExecutor serial;
  private final List<Listener> listeners = new ArrayList<>(); // on serial only
  int listenerCount; // guarded by the client
  volatile @Nullable InstanceSet current;
  // Until the first set is applied: the last non-empty fresh read, standing in for current
  // when an update is checked for emptying.
  volatile @Nullable InstanceSet seed;
  private @Nullable Subscription upstream;
  private long holdGeneration; // on serial; bumps cancel a pending empty confirmation
  private boolean holding; // on serial
  private long confirmGeneration; // on serial; bumps cancel a pending confirmation of a stale set
  private @Nullable InstanceSet disagreeing; // on serial: the last confirming read that differed
  private volatile boolean stopped;

  GuardedWatch(String service, RegistryClient delegate, RegistryOptions options, @Nullable SnapshotCache cache,
      ExecutorService pool, ScheduledExecutorService timer, @Nullable InstanceSet seed) {
    this.service = service;
    this.delegate = delegate;
    this.options = options;
    this.cache = cache;
    this.pool = pool;
    this.timer = timer;
    this.serial = new SerialExecutor(pool);
    this.seed = seed;
  }

  void start(boolean unreachable) {
    upstream = delegate.watch(service, set -> serial.execute(() -> onUpstream(set)));
    if (unreachable) {
      serial.execute(this::registryUnreachable);
    }
    // Cold start with the registry silent: serve the cached set, marked stale.
    if (cache != null) {
      schedule(() -> serial.execute(() -> {
        if (current == null && !stopped) {
          serveCached("no answer from the registry within " + options.resolveTimeout());
        }
      }), options.resolveTimeout().toMillis());
    }
  }

  Listener add(Consumer<InstanceSet> consumer) {
    Listener l = new Listener(consumer, pool, service);
    serial.execute(() -> {
      listeners.add(l);
      InstanceSet now = current;
      if (now != null) {
        l.deliver(now);
      }
    });
    return l;
  }

  void remove(Listener l) {
    serial.execute(() -> listeners.remove(l));
  }

  void stop() {
    stopped = true;
    Subscription s = upstream;
    if (s != null) {
      s.close();
    }
  }

  /** The registry cannot be reached: what is served is no longer confirmed by it. */
  void registryUnreachable() {
    confirmGeneration++;
    disagreeing = null;
    InstanceSet now = current;
    if (now == null) {
      serveCached("the registry is unreachable");
    } else if (!now.stale() && !stopped) {
      apply(now.asStale());
    }
  }

  /** The registry answers again: a stale set is confirmed by a fresh read, or replaced by a push. */
  void registryReachable() {
    InstanceSet now = current;
    if (now != null && now.stale() && !stopped) {
      long generation = ++confirmGeneration;
      try {
        pool.execute(() -> confirmFresh(generation));
      } catch (RejectedExecutionException e) {
        // the client is closing
      }
    }
  }

  private void serveCached(String why) {
    InstanceSet cached = cache == null ? null : cache.read(service);
    if (cached != null && !stopped) {
      log.warn("{}; serving the cached snapshot of '{}' ({} instances, stale)", why, service, cached.size());
      apply(cached);
    }
  }

  /** Runs on a pool thread: the fresh read may block. */
  private void confirmFresh(long generation) {
    InstanceSet fresh;
    try {
      fresh = delegate.resolve(service);
    } catch (RuntimeException e) {
      log.debug("could not confirm the instances of '{}' yet ({}); trying again", service, e.toString());
      schedule(() -> serial.execute(() -> {
        if (generation == confirmGeneration) {
          pool.execute(() -> confirmFresh(generation));
        }
      }), RECONFIRM_MILLIS);
      return;
    }
    serial.execute(() -> {
      InstanceSet now = current;
      if (generation != confirmGeneration || stopped || now == null || !now.stale()) {
        return; // a push has confirmed it, or the registry went away again
      }
      if (sameInstances(fresh, now)) {
        apply(fresh);
      } else if (disagreeing != null && sameInstances(fresh, disagreeing)) {
        // Two reads a second apart agree and no push came between: the watch missed the change.
        disagreeing = null;
        onUpstream(fresh);
      } else {
        // The watch is probably catching up; a push that arrives first confirms the set itself.
        disagreeing = fresh;
        schedule(() -> serial.execute(() -> {
          if (generation == confirmGeneration) {
            pool.execute(() -> confirmFresh(generation));
          }
        }), RECONFIRM_MILLIS);
      }
    });
  }

  private static boolean sameInstances(InstanceSet a, InstanceSet b) {
    return a.asStale().equals(b.asStale());
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
            service, now.size(), Durations.format(options.emptyConfirmDelay()));
        scheduleConfirmEmpty(generation);
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

  private void scheduleConfirmEmpty(long generation) {
    schedule(() -> pool.execute(() -> confirmEmpty(generation)), options.emptyConfirmDelay().toMillis());
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
      log.debug("could not confirm that service '{}' is empty ({}); still holding", service, e.toString());
      scheduleConfirmEmpty(generation);
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
    if (!set.stale()) {
      confirmGeneration++; // confirmed by this set: a pending confirmation has nothing left to do
      disagreeing = null;
    }
    current = set;
    if (cache != null && !set.stale()) {
      cache.write(set);
    }
    for (Listener l : listeners) {
      l.deliver(set);
    }
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the client is closing
    }
  }

  /** One listener and its own serial lane, so a slow listener holds up only itself. */
  static final class Listener {
    private final Consumer<InstanceSet> consumer;
    private final SerialExecutor lane;
    private final String service;
    volatile boolean closed;

    Listener(Consumer<InstanceSet> consumer, ExecutorService pool, String service) {
      this.consumer = consumer;
      this.lane = new SerialExecutor(pool);
      this.service = service;
    }

    void deliver(InstanceSet set) {
      lane.execute(() -> {
        if (closed) {
          return;
        }
        try {
          consumer.accept(set);
        } catch (Throwable t) {
          log.warn("a listener of service '{}' threw; it stays subscribed", service, t);
        }
      });
    }
  }
}
