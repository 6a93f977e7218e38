package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.internal.AtomicRandom;
import dev.keel.balancer.internal.Threads;
import dev.keel.balancer.internal.WeightedRest;
import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.SerialExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Balancer}: diffs discovery snapshots into per-id {@link EndpointState}s, runs outlier
 * ejection, active health and slow start beside them, and publishes a new picker with one volatile
 * write. Fields below {@code state} are confined to the serial executor: every method that touches
 * them starts with {@code serial.assertInContext()}.
 */
final class DefaultBalancer implements Balancer {
  private static final Logger log = LoggerFactory.getLogger(DefaultBalancer.class);
  private static final Picker NONE = key -> null;
  private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * The picker, the fallback for picks with exclusion, the endpoints it picks from (in order and by
   * id, for pinning) and the view they were built from, published together: a pick reads them from
   * one snapshot.
   */
  private record State(Picker picker, WeightedRest rest, List<EndpointState> available,
      Map<String, EndpointState> byId, BalancerState view) {}

  private final String service;
  private final BalancerConfig config;
  private final BalancingPolicy policy;
  private final BalancerClock clock;
  private final RandomGenerator random;
  private final SerialExecutor serial;
  private final LongAdder inFlight = new LongAdder();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final OutlierDetector outliers;
  private final @Nullable ActiveHealth health;
  private final long tickNanos;
  private final long connectionSeed;
  private final AtomicLong connectionBalancers = new AtomicLong();
  private volatile State state;

  // Serial-executor confined.
  private Map<String, EndpointState> members = new LinkedHashMap<>();
  // Removed endpoints that still carry requests or long connections: if the id comes back (a
  // registry flap), the same object returns with its counters (apisix#7301 lost them on rebuild).
  private final Map<String, EndpointState> retired = new LinkedHashMap<>();
  private @Nullable InstanceSet lastSet;
  private boolean started;
  private long membershipChangedAt;
  private long version;
  private boolean closed;
  private @Nullable Subscription watch;
  private BalancerClock.@Nullable Cancellable tickTask;

  private DefaultBalancer(String service, BalancerConfig config, BalancingPolicy policy,
      BalancerClock clock, RandomGenerator random, Executor executor, @Nullable HealthChecker checker) {
    this.service = service;
    this.config = config;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
    this.connectionSeed = random.nextLong(); // before the serial executor owns it
    this.serial = new SerialExecutor(executor);
    long now = clock.nanoTime();
    this.membershipChangedAt = now;
    this.outliers = new OutlierDetector(config, now, serial);
    this.health = checker == null ? null
        : new ActiveHealth(checker, config, serial, clock::nanoTime, this::rebuild);
    this.tickNanos = checker == null ? MAX_TICK_NANOS
        : Math.min(MAX_TICK_NANOS, config.healthInterval().toNanos());
    this.state = empty(now, 0);
  }

  private static State empty(long now, long version) {
    return new State(NONE, WeightedRest.NONE, List.of(), Map.of(),
        new BalancerState(List.of(), List.of(), false, now, version));
  }

  /** Builds the first picker from {@code discovery.resolve}, then watches; see {@link Balancer.Builder}. */
  static DefaultBalancer start(Discovery discovery, String service, BalancerConfig config,
      BalancingPolicy policy, BalancerClock clock, RandomGenerator random,
      @Nullable Executor executor, @Nullable HealthChecker checker) {
    DefaultBalancer b = new DefaultBalancer(service, config, policy, clock, random,
        executor != null ? executor : Threads.SHARED, checker);
    InstanceSet initial;
    try {
      initial = discovery.resolve(service);
    } catch (RegistryException e) {
      log.warn("{}: cannot resolve yet, starting empty until the watch delivers: {}", service, e.getMessage());
      initial = InstanceSet.empty(service).asStale(); // nothing confirmed by the registry yet
    }
    // Applied on the calling thread, inside the serial context, before anyone else can see the
    // balancer or the executor has anything else to run.
    InstanceSet first = initial;
    b.serial.runHere(() -> b.update(first));
    b.watch = discovery.watch(service, set -> b.serial.execute(() -> b.update(set)));
    b.serial.execute(b::scheduleTick);
    return b;
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public BalancerConfig config() {
    return config;
  }

  @Override
  public @Nullable Endpoint pick(@Nullable CharSequence key) {
    EndpointState e = (EndpointState) state.picker().pick(key);
    if (e != null) {
      e.acquire();
    }
    return e;
  }

  /**
   * The pinned endpoint when it is available and not excluded; else null when strict; else the
   * policy's choice among the candidates not excluded ({@link Picker#pick(CharSequence,
   * java.util.Collection)}), and when it gives up, or names an excluded endpoint, a weighted choice
   * among the rest. All read the one state published together, so they see the same candidates.
   */
  @Override
  public @Nullable Endpoint pick(PickArgs args) {
    State s = state;
    List<Endpoint> exclude = args.exclude();
    String pinned = args.pinned();
    if (pinned != null) {
      EndpointState e = s.byId().get(pinned);
      if (e != null && (exclude.isEmpty() || !exclude.contains(e))) {
        e.acquire();
        return e;
      }
      if (args.strict()) {
        return null;
      }
    }
    Endpoint e;
    if (exclude.isEmpty()) {
      e = s.picker().pick(args.key());
    } else {
      e = s.picker().pick(args.key(), exclude);
      if (e == null || exclude.contains(e)) {
        e = s.rest().pick(exclude);
      }
    }
    // Sealed: every endpoint a policy returns is one of this balancer's candidates.
    EndpointState picked = (EndpointState) e;
    if (picked != null) {
      picked.acquire();
    }
    return picked;
  }

  @Override
  public BalancerState state() {
    return state.view();
  }

  @Override
  public BalancerClock clock() {
    return clock;
  }

  @Override
  public Subscription onStateChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Requests in flight over all endpoints of this balancer, including removed ones. */
  long inFlight() {
    return inFlight.sum();
  }

  /**
   * A seed for a new connection balancer's randomness: drawn from the builder's randomness, so a
   * seeded balancer repeats, and different for each balancer and each connection balancer.
   */
  long newConnectionSeed() {
    return AtomicRandom.mix64(connectionSeed + 0x9e3779b97f4a7c15L * connectionBalancers.incrementAndGet());
  }

  /** The endpoints the current picker chooses from, for the connection balancer's placement. */
  List<EndpointState> available() {
    return state.available();
  }

  @Override
  public void close() {
    serial.execute(() -> {
      serial.assertInContext();
      if (closed) {
        return;
      }
      closed = true;
      if (watch != null) {
        watch.close();
      }
      if (tickTask != null) {
        tickTask.cancel();
      }
      for (EndpointState e : members.values()) {
        e.member(false);
      }
      state = empty(clock.nanoTime(), ++version);
    });
  }

  // ---- serial executor from here on ----

  private void update(InstanceSet set) {
    serial.assertInContext();
    if (closed || set.equals(lastSet)) {
      return; // no-op updates are dropped
    }
    long now = clock.nanoTime();
    boolean first = !started;
    started = true;
    lastSet = set;
    Map<String, EndpointState> next = new LinkedHashMap<>();
    List<EndpointState> added = new ArrayList<>();
    List<EndpointState> renewed = new ArrayList<>();
    for (ServiceInstance instance : set.instances()) {
      EndpointState e = members.get(instance.id());
      if (e == null && (e = retired.remove(instance.id())) != null) {
        e.instance(instance);
        if (config.slowStartWindow().toNanos() > 0) {
          e.startRamp(now);
        }
        added.add(e);
      } else if (e == null) {
        e = new EndpointState(instance, clock::nanoTime, config.ewmaDecay().toNanos(), inFlight,
            this::failuresReached, config.outlierConsecutiveFailures(), serial);
        if (!first && config.slowStartWindow().toNanos() > 0) {
          e.startRamp(now); // slow start, from the moment this balancer first saw it
        }
        added.add(e);
      } else if (isNewIncarnation(e.instance(), instance)) {
        // Restarted and registered again before its old registration went (kill -9 within the
        // session or lease): a new process owes nothing to the dead one's ejection or failures.
        e.instance(instance);
        outliers.remove(e);
        if (e.ejected()) {
          e.ejected(false);
        }
        if (config.slowStartWindow().toNanos() > 0) {
          e.startRamp(now);
        }
        renewed.add(e);
      } else if (!e.instance().equals(instance)) {
        e.instance(instance); // weight or metadata changed: keep the counters
      }
      next.put(instance.id(), e);
    }
    List<EndpointState> removed = new ArrayList<>();
    for (EndpointState old : members.values()) {
      if (!next.containsKey(old.id())) {
        removed.add(old);
      }
    }
    seedColdStart(added, next, now);
    boolean membershipChanged = !added.isEmpty() || !removed.isEmpty();
    members = next;
    for (EndpointState e : added) {
      e.member(true);
    }
    for (EndpointState e : removed) {
      e.member(false);
    }
    if (membershipChanged) {
      membershipChangedAt = now;
    }
    for (EndpointState e : added) {
      if (health != null) {
        health.add(e, now);
      }
    }
    for (EndpointState e : renewed) {
      if (health != null) {
        health.remove(e); // up and checked afresh, as a new endpoint is
        e.healthy(true);
        health.add(e, now);
      }
    }
    rebuild();
    // Shut down after the swap: the new picker no longer names them.
    for (EndpointState e : removed) {
      outliers.remove(e);
      if (e.ejected()) {
        e.ejected(false); // its ejection record is gone; should it return, it starts afresh
      }
      if (health != null) {
        health.remove(e);
      }
      if (e.activeConnections() > 0 || e.inFlight() > 0) {
        retired.put(e.id(), e);
      }
    }
    retired.values().removeIf(e -> e.activeConnections() == 0 && e.inFlight() == 0);
    if (membershipChanged) {
      log.debug("{}: +{} -{} = {} endpoints", service, added.size(), removed.size(), next.size());
    }
  }

  /** Both registrations say which they are, and they differ: the instance registered again. */
  private static boolean isNewIncarnation(ServiceInstance was, ServiceInstance now) {
    return !was.incarnation().isEmpty() && !now.incarnation().isEmpty() && !was.incarnation().equals(now.incarnation());
  }

  /** New endpoints start at the mean latency estimate of sampled peers (tower#134). */
  private static void seedColdStart(List<EndpointState> added, Map<String, EndpointState> all, long now) {
    if (added.isEmpty()) {
      return;
    }
    double sum = 0;
    int n = 0;
    for (EndpointState e : all.values()) {
      if (e.sampled()) {
        sum += e.ewmaAt(now);
        n++;
      }
    }
    if (n > 0) {
      for (EndpointState e : added) {
        if (!e.sampled()) {
          e.seedEwma(sum / n, now);
        }
      }
    }
  }

  private void failuresReached(EndpointState e) {
    serial.execute(() -> {
      serial.assertInContext();
      if (members.get(e.id()) == e && outliers.onConsecutiveFailures(e, clock.nanoTime(), members.size())) {
        rebuild();
      }
    });
  }

  private void scheduleTick() {
    serial.assertInContext();
    if (!closed) {
      tickTask = clock.schedule(() -> serial.execute(this::tick), tickNanos);
    }
  }

  private void tick() {
    serial.assertInContext();
    if (closed) {
      return;
    }
    long now = clock.nanoTime();
    boolean changed = outliers.tick(now, members.values());
    if (health != null) {
      health.tick(now);
    }
    boolean ramping = false;
    for (EndpointState e : members.values()) {
      ramping |= e.ramping();
    }
    if (changed || ramping) {
      rebuild();
    }
    scheduleTick();
  }

  /**
   * Builds and publishes the picker for the current members; the one volatile write.
   *
   * <p>Available: weight &gt; 0, up by active health checks, not ejected. Panic (Envoy's): when
   * fewer than the threshold share of the weighted members is available, spreading over more beats
   * crushing the survivors — but only over members not known to be down: ejected ones come back
   * (an ejection is a guess from failures seen, and may be what crushed them), ones that failed
   * their active health checks do not (a check that fails says the instance cannot answer). So a
   * service whose members are all down by checks has none available: 503, as promised, not 502s
   * from instances known to be down.
   */
  private void rebuild() {
    serial.assertInContext();
    if (closed) {
      return;
    }
    long now = clock.nanoTime();
    List<EndpointState> weighted = new ArrayList<>(members.size());
    List<EndpointState> notDown = new ArrayList<>(members.size());
    List<EndpointState> available = new ArrayList<>(members.size());
    for (EndpointState e : members.values()) {
      if (e.weight() > 0) {
        weighted.add(e);
        if (e.healthy()) {
          notDown.add(e);
          if (!e.ejected()) {
            available.add(e);
          }
        }
      }
    }
    boolean panic = !weighted.isEmpty() && available.size() < config.panicThreshold() * weighted.size();
    List<EndpointState> pickFrom = panic ? notDown : available;
    Picker picker = NONE;
    WeightedRest rest = WeightedRest.NONE;
    if (!pickFrom.isEmpty()) {
      int[] weights = new int[pickFrom.size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = SlowStart.weight(pickFrom.get(i), now, config);
      }
      long seed = random.nextLong();
      Candidates candidates = Candidates.of(pickFrom, weights, seed, clock::nanoTime,
          config.hashBalanceFactor(), inFlight::sum);
      picker = policy.newPicker(candidates);
      rest = WeightedRest.of(candidates, AtomicRandom.mix64(seed)); // its own sequence, not the policy's
    }
    Map<String, EndpointState> byId = new HashMap<>(pickFrom.size() * 2);
    for (EndpointState e : pickFrom) {
      byId.put(e.id(), e);
    }
    List<Endpoint> memberView = new ArrayList<>(members.values());
    state = new State(picker, rest, List.copyOf(pickFrom), Map.copyOf(byId),
        new BalancerState(memberView, new ArrayList<>(pickFrom), panic, membershipChangedAt, ++version,
            lastSet != null && lastSet.stale()));
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException ex) {
        log.warn("{}: state listener failed: {}", service, ex.toString());
        log.debug("state listener failure", ex);
      }
    }
  }

  /** Total in-flight over this balancer's endpoints, for bounded-load hashing. */
  LongAdder inFlightCounter() {
    return inFlight;
  }
}
