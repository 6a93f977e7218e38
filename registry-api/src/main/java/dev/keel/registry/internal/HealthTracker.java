package dev.keel.registry.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryHealth.State;
import dev.keel.registry.Subscription;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RegistryHealth} of one adapter client, fed by what the adapter sees (connection
 * events, calls that worked or failed), written once here for every adapter. Not public API.
 *
 * <p>It logs one line per change of state (unreachable at WARN with the cause, back at INFO with how
 * long it was gone; the first connection, and a changed cause while still unreachable, at DEBUG;
 * stack traces at DEBUG only),
 * and one WARN per malformed registry entry and version, however many reads or pushes carry it.
 *
 * <p>Thread-safe: adapters call it from their own threads. Listeners are called in order, one at a
 * time, on a shared daemon thread, each with the health current when it runs; they must not block.
 */
public final class HealthTracker {
  private static final Logger log = LoggerFactory.getLogger("dev.keel.registry.health");
  private static final ExecutorService NOTIFY = Executors.newCachedThreadPool(new DaemonThreads("keel-registry-health"));
  // Malformed entries remembered, so that one read again is not reported again; the oldest go first.
  private static final int MAX_REMEMBERED = 4096;

  private final String registry;
  private final InstantSource clock;
  private final SerialExecutor notifier = new SerialExecutor(NOTIFY);
  private final List<Consumer<RegistryHealth>> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Boolean> malformedSeen = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };
  private RegistryHealth current; // guarded by this
  private long downSinceNanos; // guarded by this

  /** A tracker in {@link State#CONNECTING}; {@code registry} names it in logs (no secrets). */
  public HealthTracker(String registry) {
    this(registry, InstantSource.system());
  }

  public HealthTracker(String registry, InstantSource clock) {
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
    this.current = RegistryHealth.of(registry, State.CONNECTING, clock.instant(), "not connected yet", 0, 0);
    this.downSinceNanos = System.nanoTime();
  }

  public synchronized RegistryHealth health() {
    return current;
  }

  /** The registry answered. */
  public void reachable() {
    synchronized (this) {
      if (current.state() == State.REACHABLE || current.state() == State.CLOSED) {
        return;
      }
      State was = current.state();
      long downNanos = System.nanoTime() - downSinceNanos;
      set(State.REACHABLE, null, current.outages());
      if (was == State.CONNECTING) {
        log.debug("registry {} reachable", registry); // routine: the start-up log says enough
      } else {
        log.info("registry {} reachable again after {}", registry, seconds(downNanos));
      }
    }
    changed();
  }

  /** The registry could not be reached: {@code cause} says why, in one line (escaped here). */
  public void unreachable(String cause) {
    changeToUnreachable(cause, null);
  }

  /**
   * The registry could not be reached while doing {@code what}; the cause is {@code error}'s message
   * (its stack trace goes to DEBUG).
   */
  public void unreachable(String what, Throwable error) {
    changeToUnreachable(what + ": " + describe(error), error);
  }

  private void changeToUnreachable(String rawCause, @Nullable Throwable error) {
    String cause = LogSafe.escape(rawCause);
    synchronized (this) {
      State was = current.state();
      if (was == State.CLOSED || (was == State.UNREACHABLE && cause.equals(current.cause()))) {
        return;
      }
      if (was == State.UNREACHABLE) {
        log.debug("registry {} still unreachable: {}", registry, cause, error);
        set(State.UNREACHABLE, cause, current.outages());
      } else {
        downSinceNanos = System.nanoTime();
        log.warn("registry {} unreachable: {}; serving the last known instances until it is back", registry, cause);
        if (error != null) {
          log.debug("registry {} unreachable", registry, error);
        }
        set(State.UNREACHABLE, cause, current.outages() + 1);
      }
    }
    changed();
  }

  /** The client is closed; nothing changes after this. */
  public void closed() {
    synchronized (this) {
      if (current.state() == State.CLOSED) {
        return;
      }
      set(State.CLOSED, "closed", current.outages());
    }
    changed();
  }

  /**
   * An entry of {@code service} could not be read as an instance and is left out. Counted and logged
   * (escaped) the first time this {@code entry} is seen at this {@code version}; reads and pushes that
   * bring it again are not.
   *
   * @param entry where it is: a node path, a key, an address
   * @param version what changes when the entry does: a node's mzxid, a key's mod revision, a hash
   * @return whether this was the first report of it
   */
  public boolean malformed(String service, String entry, Object version, String reason) {
    synchronized (this) {
      if (malformedSeen.put(service + '\u0000' + entry + '\u0000' + version, Boolean.TRUE) != null) {
        return false;
      }
      current = RegistryHealth.of(registry, current.state(), current.since(), current.cause(),
          current.malformedEntries() + 1, current.outages());
      log.warn("registry {}: skipping malformed entry {} of service {}: {} ({} skipped so far)", registry,
          LogSafe.quote(entry), LogSafe.quote(service), LogSafe.escape(reason), current.malformedEntries());
    }
    changed();
    return true;
  }

  /** Calls {@code listener} with every later change, as the class comment says. */
  public Subscription onChange(Consumer<RegistryHealth> listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void set(State state, @Nullable String cause, long outages) {
    current = RegistryHealth.of(registry, state, clock.instant(), cause, current.malformedEntries(), outages);
  }

  private void changed() {
    notifier.execute(() -> {
      RegistryHealth now = health(); // the latest: a listener never goes back to an older state
      for (Consumer<RegistryHealth> l : listeners) {
        try {
          l.accept(now);
        } catch (RuntimeException e) {
          log.warn("a registry health listener failed", e);
        }
      }
    });
  }

  /** An exception in one line: its class and message, and its root cause's when that differs. */
  public static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    if (root == error || (root.getMessage() != null && top.contains(root.getMessage()))) {
      return top;
    }
    return top + " (" + (root.getMessage() == null ? root.getClass().getSimpleName()
        : root.getClass().getSimpleName() + ": " + root.getMessage()) + ")";
  }

  private static String seconds(long nanos) {
    Duration d = Duration.ofNanos(nanos);
    return d.toSeconds() + "." + (d.toMillisPart() / 100) + " s";
  }

  @Override
  public String toString() {
    return health().toString();
  }
}
