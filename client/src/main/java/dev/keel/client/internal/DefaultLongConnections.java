package dev.keel.client.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerClock;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Evenness;
import dev.keel.client.LongConnections;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LongConnections}: a maintenance run (replace, fill, migrate) on a jittered timer and
 * after every balancer state change. Runs are serialised by this object's monitor; the maps are
 * concurrent only so that accessors can read them from other threads.
 */
public final class DefaultLongConnections<C> implements LongConnections<C> {
  private static final Logger log = LoggerFactory.getLogger(DefaultLongConnections.class);

  private final Balancer balancer;
  private final BalancerClock clock;
  private final ConnectionBalancer placement;
  private final Connector<C> connector;
  private final Handover<C> handover;
  private final int target;
  private final long intervalNanos;
  private final double jitter;
  private final RandomGenerator random; // used under the monitor only
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final Consumer<String> onEvent;
  private final Map<ConnectionLease, C> open = new ConcurrentHashMap<>();
  private final Set<C> broken = Collections.newSetFromMap(new ConcurrentHashMap<>());
  private final AtomicBoolean runQueued = new AtomicBoolean();
  private final AtomicLong moves = new AtomicLong();
  private final Subscription stateListener;
  private volatile boolean closed;
  @GuardedBy("this")
  private BalancerClock.@Nullable Cancellable timer;

  private DefaultLongConnections(Balancer balancer, Connector<C> connector, Handover<C> handover, int target,
      long intervalNanos, double jitter, RandomGenerator random, @Nullable Executor executor,
      Consumer<String> onEvent) {
    this.balancer = balancer;
    this.clock = balancer.clock();
    this.placement = ConnectionBalancer.create(balancer);
    this.connector = connector;
    this.handover = handover;
    this.target = target;
    this.intervalNanos = intervalNanos;
    this.jitter = jitter;
    this.random = random;
    this.onEvent = onEvent;
    if (executor == null) {
      ExecutorService own = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keel-long-connections-" + balancer.service());
        t.setDaemon(true);
        return t;
      });
      this.ownedExecutor = own;
      this.executor = own;
    } else {
      this.ownedExecutor = null;
      this.executor = executor;
    }
    // Never block in the balancer's listener: it only queues a run.
    this.stateListener = balancer.onStateChange(this::queueRun);
  }

  public static <C> LongConnections<C> start(Balancer balancer, Connector<C> connector,
      Handover<C> handover, int target, long intervalNanos, double jitter, RandomGenerator random,
      @Nullable Executor executor, Consumer<String> onEvent) {
    DefaultLongConnections<C> lc = new DefaultLongConnections<>(balancer, connector, handover, target,
        intervalNanos, jitter, random, executor, onEvent);
    lc.executor.execute(lc::timedRun);
    return lc;
  }

  private void queueRun() {
    if (!closed && runQueued.compareAndSet(false, true)) {
      executor.execute(() -> {
        runQueued.set(false);
        run();
      });
    }
  }

  private synchronized void timedRun() {
    run();
    if (!closed) {
      // interval × (1 ± jitter): callers started together do not run in lock step.
      long delay = (long) (intervalNanos * (1 + jitter * (2 * random.nextDouble() - 1)));
      timer = clock.schedule(() -> executor.execute(this::timedRun), delay);
    }
  }

  /** One maintenance run: replace what is gone or broken, fill up, then move the surplus. */
  synchronized void run() {
    if (closed) {
      return;
    }
    try {
      replaceUnavailable();
      dropBroken();
      fill();
      migrate();
    } catch (RuntimeException e) {
      log.warn("{}: maintenance run failed", balancer.service(), e);
    }
  }

  private void replaceUnavailable() {
    Set<Endpoint> available = Collections.newSetFromMap(new IdentityHashMap<>());
    available.addAll(balancer.state().available());
    for (ConnectionLease lease : new ArrayList<>(open.keySet())) {
      if (!available.contains(lease.endpoint()) && !move(lease, "replace")) {
        return; // nowhere to go now: try again on the next run
      }
    }
  }

  private void dropBroken() {
    if (broken.isEmpty()) {
      return;
    }
    for (Map.Entry<ConnectionLease, C> e : new ArrayList<>(open.entrySet())) {
      if (broken.remove(e.getValue())) {
        // Already dead, nothing to make before the break: close and let fill() replace it.
        open.remove(e.getKey());
        closeQuietly(e.getValue());
        e.getKey().close();
        onEvent.accept("broken " + e.getKey().endpoint().id());
      }
    }
    broken.clear();
  }

  private void fill() {
    while (open.size() < target) {
      ConnectionLease lease = placement.open();
      if (lease == null) {
        return; // no instance available
      }
      C c = connect(lease);
      if (c == null) {
        return; // back off until the next run
      }
      open.put(lease, c);
      onEvent.accept("open " + lease.endpoint().id());
    }
  }

  private void migrate() {
    for (ConnectionLease lease : placement.shedCandidates()) {
      if (!open.containsKey(lease)) {
        lease.close();
      } else if (!move(lease, "move")) {
        // Not moved: the connection stays and counts as an ordinary one again, so a later run
        // sheds it (or another) only if the spread still calls for it.
        lease.keep();
      }
    }
  }

  /**
   * Make-before-break: open the new (never on the old one's instance), hand over, then close the
   * old. False leaves the old as it was.
   */
  private boolean move(ConnectionLease oldLease, String why) {
    C old = open.get(oldLease);
    if (old == null) {
      return true;
    }
    ConnectionLease lease = placement.open(List.of(oldLease.endpoint()));
    if (lease == null) {
      return false;
    }
    C fresh = connect(lease);
    if (fresh == null) {
      return false;
    }
    try {
      handover.handover(old, fresh);
    } catch (Exception e) {
      log.warn("{}: handover {} -> {} failed, keeping the old connection: {}", balancer.service(),
          oldLease.endpoint().id(), lease.endpoint().id(), e.toString());
      log.debug("{}: handover failure", balancer.service(), e);
      closeQuietly(fresh);
      lease.close();
      return false;
    }
    open.put(lease, fresh);
    open.remove(oldLease);
    closeQuietly(old);
    oldLease.close();
    moves.incrementAndGet();
    onEvent.accept(why + " " + oldLease.endpoint().id() + " -> " + lease.endpoint().id());
    return true;
  }

  private @Nullable C connect(ConnectionLease lease) {
    try {
      C c = connector.open(lease.endpoint().instance());
      lease.markIdle(); // Keel does not see the application's traffic: all are equally sheddable
      return c;
    } catch (Exception e) {
      log.warn("{}: cannot connect to {}: {}", balancer.service(), lease.endpoint().id(), e.toString());
      lease.close();
      return null;
    }
  }

  private void closeQuietly(C c) {
    try {
      connector.close(c);
    } catch (Exception e) {
      log.debug("{}: closing a connection failed", balancer.service(), e);
    }
  }

  @Override
  public List<C> connections() {
    return List.copyOf(open.values());
  }

  @Override
  public Map<String, Integer> spread() {
    Map<String, Integer> m = new TreeMap<>();
    for (ConnectionLease lease : open.keySet()) {
      m.merge(lease.endpoint().id(), 1, Integer::sum);
    }
    return m;
  }

  @Override
  public Evenness evenness() {
    return placement.evenness();
  }

  @Override
  public long moves() {
    return moves.get();
  }

  @Override
  public void reportBroken(C connection) {
    if (open.containsValue(connection)) {
      broken.add(connection);
      queueRun();
    }
  }

  @Override
  public void close() {
    stateListener.close();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (timer != null) {
        timer.cancel();
      }
      for (Map.Entry<ConnectionLease, C> e : new ArrayList<>(open.entrySet())) {
        open.remove(e.getKey());
        closeQuietly(e.getValue());
        e.getKey().close();
      }
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }
}
