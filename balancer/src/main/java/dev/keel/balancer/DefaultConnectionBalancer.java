package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.balancer.internal.AtomicRandom;
import dev.keel.registry.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConnectionBalancer}. Let T be the connections on available endpoints (counting those
 * being shed, which will reconnect) and share_i = T × w_i ÷ W. Placement picks the largest
 * share_i − c_i. Shedding is a two-threshold controller: it starts when some endpoint leaves
 * [share × (1 − tol), share × (1 + tol)] and then sheds from the endpoint with the largest
 * c_i − share_i, one connection at a time, until every endpoint is at or below its whole-number
 * target: ⌊share_i⌋, plus one for the T − Σ⌊share_i⌋ endpoints with the largest remainders (ties to
 * those holding more, which keeps moves down). Stopping at ⌈share_i⌉ instead would leave the
 * deficits short: 200 over 3 → 6 endpoints would end 34,34,34 on the old ones and 33,33,32 on the
 * new. Each shed connection reconnects onto a deficit, so the number shed approaches the minimum
 * number of moves Σ max(0, c_i − target_i). A token bucket bounds the rate.
 *
 * <p>That is the local rule, over this process's connections. While every available endpoint
 * publishes its own count ({@link BalancerConfig.ConnectionCounts#AUTO}), placement and shedding
 * follow the {@link FleetRule} over the published counts instead; the token bucket still bounds
 * this process's shedding.
 */
final class DefaultConnectionBalancer implements ConnectionBalancer {
  private static final Logger log = LoggerFactory.getLogger(DefaultConnectionBalancer.class);

  private final DefaultBalancer balancer;
  private final BalancerConfig config;
  private final AtomicRandom random;
  private final FleetRule fleet;
  private final Set<Lease> leases = ConcurrentHashMap.newKeySet();
  // Placement and shedding hold this object's lock; a lease's flags are volatile, set under it.
  @GuardedBy("this")
  private double tokens;
  @GuardedBy("this")
  private long lastRefill;
  @GuardedBy("this")
  private boolean rebalancing;

  DefaultConnectionBalancer(DefaultBalancer balancer) {
    this.balancer = balancer;
    this.config = balancer.config();
    this.random = new AtomicRandom(balancer.newConnectionSeed());
    this.fleet = new FleetRule(config, random);
    this.lastRefill = balancer.clock().nanoTime();
  }

  @Override
  public @Nullable ConnectionLease open() {
    return open(List.of());
  }

  @Override
  public synchronized @Nullable ConnectionLease open(Collection<? extends Endpoint> exclude) {
    requireNonNull(exclude, "exclude");
    List<EndpointState> pool = balancer.available();
    if (pool.isEmpty()) {
      return null;
    }
    if (FleetRule.applies(config, pool)) {
      EndpointState e = fleet.place(pool, exclude);
      return e == null ? null : add(new Lease(e));
    }
    long total = 1;
    long weights = 0;
    for (EndpointState e : pool) {
      total += e.activeConnections();
      weights += e.weight();
    }
    // Largest deficit share_i − c_i; ties go to the first after a random start, so equal endpoints
    // are not filled in list order. Shares count excluded endpoints too: excluding one (the
    // source of a migration) must not make the others look over-full.
    int n = pool.size();
    int start = random.nextInt(n);
    EndpointState best = null;
    double bestDeficit = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      EndpointState e = pool.get((start + k) % n);
      if (!exclude.isEmpty() && exclude.contains(e)) {
        continue;
      }
      double deficit = (double) total * e.weight() / weights - e.activeConnections();
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = e;
      }
    }
    if (best == null) {
      return null; // every available endpoint is excluded
    }
    return add(new Lease(best));
  }

  private Lease add(Lease lease) {
    leases.add(lease);
    return lease;
  }

  @Override
  public synchronized ConnectionLease openOn(Endpoint endpoint) {
    requireNonNull(endpoint, "endpoint");
    if (!(endpoint instanceof EndpointState e)) {
      throw new IllegalArgumentException("endpoint: " + endpoint + " (expected: an endpoint its balancer picked)");
    }
    Lease lease = new Lease(e);
    leases.add(lease);
    return lease;
  }

  @Override
  public synchronized List<ConnectionLease> shedCandidates() {
    long now = balancer.clock().nanoTime();
    double rate = config.rebalanceMaxShedPerSecond();
    tokens = Math.min(Math.max(1, rate), tokens + rate * (now - lastRefill) / 1e9);
    lastRefill = now;
    BalancerState state = balancer.state();
    List<Endpoint> pool = state.available();
    if (pool.size() < 2 || now - state.membershipChangedAtNanos() < config.rebalanceSettle().toNanos()) {
      rebalancing = false;
      return List.of();
    }
    IdentityHashMap<Endpoint, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < pool.size(); i++) {
      index.put(pool.get(i), i);
    }
    int n = pool.size();
    int[] live = new int[n]; // connections not being shed
    List<List<Lease>> idle = new ArrayList<>(n);
    List<List<Lease>> busy = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      idle.add(new ArrayList<>());
      busy.add(new ArrayList<>());
    }
    long total = 0;
    for (Lease l : leases) {
      Integer i = index.get(l.endpoint);
      if (i == null) {
        continue; // not on an available endpoint: neither counted nor shed
      }
      total++;
      if (!l.shedding()) {
        live[i]++;
        (l.idle() ? idle : busy).get(i).add(l);
      }
    }
    if (FleetRule.applies(config, pool)) {
      rebalancing = false; // the local rule starts afresh should the instances stop publishing
      List<EndpointState> endpoints = new ArrayList<>(n);
      List<List<Lease>> open = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        endpoints.add((EndpointState) pool.get(i)); // sealed: the balancer's own
        open.add(new ArrayList<>(idle.get(i)));
        open.get(i).addAll(busy.get(i));
      }
      List<Lease> shed = fleet.shed(state, endpoints, open, now, (int) tokens);
      for (Lease l : shed) {
        l.shedding = true;
        tokens -= 1;
      }
      return List.copyOf(shed);
    }
    long weights = 0;
    for (Endpoint e : pool) {
      weights += e.weight();
    }
    double[] share = new double[n];
    boolean outside = false;
    for (int i = 0; i < n; i++) {
      share[i] = (double) total * pool.get(i).weight() / weights;
      double tol = config.rebalanceTolerance();
      outside |= live[i] > Math.ceil(share[i] * (1 + tol)) || live[i] < Math.floor(share[i] * (1 - tol));
    }
    if (!rebalancing && !outside) {
      return List.of();
    }
    rebalancing = true;
    int[] target = targets(share, live, total);
    List<ConnectionLease> out = new ArrayList<>();
    while (tokens >= 1) {
      int worst = -1;
      double worstSurplus = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        double surplus = live[i] - share[i];
        if (live[i] > target[i] && surplus > worstSurplus) {
          worst = i;
          worstSurplus = surplus;
        }
      }
      if (worst < 0) {
        rebalancing = false; // every endpoint at or below its target
        break;
      }
      List<Lease> from = idle.get(worst).isEmpty() ? busy.get(worst) : idle.get(worst);
      // Jitter: a random connection of the chosen kind, so repeated runs do not always hit the oldest.
      Lease victim = from.remove(random.nextInt(from.size()));
      victim.shedding = true;
      live[worst]--;
      tokens -= 1;
      out.add(victim);
    }
    return out;
  }

  /**
   * Whole-number targets summing to {@code total}: ⌊share_i⌋, plus one for the endpoints with the
   * largest remainders (largest remainder method), ties to those with more live connections.
   */
  private static int[] targets(double[] share, int[] live, long total) {
    int n = share.length;
    int[] target = new int[n];
    long assigned = 0;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      target[i] = (int) Math.floor(share[i]);
      assigned += target[i];
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> {
      int byRemainder = Double.compare(share[b] - Math.floor(share[b]), share[a] - Math.floor(share[a]));
      return byRemainder != 0 ? byRemainder : Integer.compare(live[b], live[a]);
    });
    for (int k = 0; k < n && assigned < total; k++, assigned++) {
      target[order[k]]++;
    }
    return target;
  }

  @Override
  public Subscription shedEvery(Duration period, Consumer<ConnectionLease> closer) {
    requireNonNull(closer, "closer");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
    }
    Periodic p = new Periodic(period.toNanos(), closer);
    p.schedule();
    return p;
  }

  /** A self-rescheduling shedding run on the balancer's clock. */
  private final class Periodic implements Subscription, Runnable {
    private final long periodNanos;
    private final Consumer<ConnectionLease> closer;
    private volatile boolean closed;
    private volatile BalancerClock.@Nullable Cancellable next;

    Periodic(long periodNanos, Consumer<ConnectionLease> closer) {
      this.periodNanos = periodNanos;
      this.closer = closer;
    }

    void schedule() {
      if (!closed) {
        next = balancer.clock().schedule(this, periodNanos);
      }
    }

    @Override
    public void run() {
      if (closed) {
        return;
      }
      for (ConnectionLease lease : shedCandidates()) {
        try {
          closer.accept(lease);
        } catch (RuntimeException e) {
          log.warn("closing shed connection to {} failed", lease.endpoint().id(), e);
        }
      }
      schedule();
    }

    @Override
    public void close() {
      closed = true;
      BalancerClock.Cancellable n = next;
      if (n != null) {
        n.cancel();
      }
    }
  }

  @Override
  public Evenness evenness() {
    List<Endpoint> pool = balancer.state().available();
    if (pool.isEmpty()) {
      return new Evenness(0, 0, 0, 0);
    }
    long total = 0;
    long weights = 0;
    for (Endpoint e : pool) {
      total += e.activeConnections();
      weights += e.weight();
    }
    if (total == 0) {
      return new Evenness(0, 0, 0, pool.size());
    }
    double max = 0;
    double sum = 0;
    double sumSq = 0;
    for (Endpoint e : pool) {
      double ratio = e.activeConnections() / ((double) total * e.weight() / weights);
      max = Math.max(max, ratio);
      sum += ratio;
      sumSq += ratio * ratio;
    }
    double mean = sum / pool.size();
    double variance = Math.max(0, sumSq / pool.size() - mean * mean);
    return new Evenness(max, Math.sqrt(variance) / mean, (int) total, pool.size());
  }

  @Override
  public int connections() {
    return leases.size();
  }

  final class Lease implements ConnectionLease {
    final FleetRule.Decision fleet = new FleetRule.Decision(); // under the balancer's lock
    private final EndpointState endpoint;
    private volatile boolean idle;
    private volatile boolean shedding;
    private volatile boolean closed;

    Lease(EndpointState endpoint) {
      this.endpoint = endpoint;
      endpoint.connectionOpened();
    }

    @Override
    public Endpoint endpoint() {
      return endpoint;
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markBusy() {
      idle = false;
    }

    @Override
    public boolean idle() {
      return idle;
    }

    @Override
    public boolean shedding() {
      return shedding;
    }

    @Override
    public boolean keep() {
      synchronized (DefaultConnectionBalancer.this) { // shedCandidates() sets the flag under this lock
        if (!shedding || closed) {
          return false;
        }
        shedding = false;
        return true;
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      leases.remove(this);
      endpoint.connectionClosed();
    }
  }
}
