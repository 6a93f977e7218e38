package dev.keel.balancer;

import dev.keel.balancer.internal.AtomicRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet mode of a {@link ConnectionBalancer}: placement and shedding by the connection counts the
 * instances publish, which cover every client process, for clients that each hold one or a few
 * connections and cannot see each other. It applies while every available endpoint publishes a
 * count ({@link BalancerConfig.ConnectionCounts#AUTO}); balancer/README.md ("Fleet mode") has the
 * maths and the numbers.
 *
 * <p><b>Placement</b>: with T the published total plus the new connection and share_i = T × w_i ÷
 * W, an endpoint below its share, chosen at random in proportion to its deficit share_i − c_i — not
 * the one furthest below, onto which hundreds of clients reconnecting in the same second would
 * herd. c_i is the published count plus what this process opened and closed there since that count
 * was published (it lags by the publisher's interval).
 *
 * <p><b>Shedding</b>, once the published counts leave share × (1 ± tolerance) by a whole
 * connection: each connection on an endpoint above its share moves with probability (c − share) ÷ c,
 * so the fleet moves the excess c − share in expectation, and nothing moves off an endpoint at or
 * below its share. A connection decides at a random moment of a round ({@link
 * BalancerConfig#rebalanceRound()}), no sooner than a round after its previous decision, and once
 * per published value of its endpoint: a count that has not caught up with the moves it caused is
 * not acted on again (that is what would overshoot), except once more after {@value
 * #STALE_ROUNDS} rounds, for the unlucky case where too few moved to change it. Counts must be
 * fresh: never on a stale view (registry unreachable), never within the settle window after a
 * membership change, and never a third time on a count that does not move — a publisher that
 * stopped would otherwise drain its instance a fraction a round (the endless shedding of
 * andydunstall/piko#322, whose other cause, dead members in the average, is kept out by counting
 * available endpoints only).
 *
 * <p>Not thread-safe: the connection balancer calls it under its lock.
 */
final class FleetRule {
  /** Rounds after which a second decision on an unchanged count may be taken (see the class comment). */
  static final int STALE_ROUNDS = 4;

  private static final Logger log = LoggerFactory.getLogger(FleetRule.class);

  /** One connection's last decision; guarded by the connection balancer's lock. */
  static final class Decision {
    private long version = -1;
    private int times;
    private long membership;
    private long decidedAt;
    private double excess;
    private boolean pending;
    private long decideAt;

    private boolean on(long countVersion, long membershipChangedAt) {
      return version == countVersion && membership == membershipChangedAt;
    }
  }

  private final BalancerConfig config;
  private final AtomicRandom random;

  FleetRule(BalancerConfig config, AtomicRandom random) {
    this.config = config;
    this.random = random;
  }

  /** True when counts are read from the instances: AUTO, and every endpoint of {@code pool} publishes one. */
  static boolean applies(BalancerConfig config, List<? extends Endpoint> pool) {
    if (config.rebalanceCounts() != BalancerConfig.ConnectionCounts.AUTO || pool.isEmpty()) {
      return false;
    }
    for (Endpoint e : pool) {
      if (e.publishedConnections() < 0) {
        return false;
      }
    }
    return true;
  }

  /** Placement (see the class comment); null when every endpoint of {@code pool} is excluded. */
  @Nullable EndpointState place(List<EndpointState> pool, Collection<? extends Endpoint> exclude) {
    int n = pool.size();
    double[] count = new double[n];
    double total = 1;
    long weights = 0;
    for (int i = 0; i < n; i++) {
      EndpointState e = pool.get(i);
      PublishedCount p = e.published();
      count[i] = Math.max(0, p.value() + e.activeConnections() - p.localAtChange());
      total += count[i];
      weights += e.weight();
    }
    double[] deficit = new double[n];
    double deficits = 0;
    long open = 0;
    for (int i = 0; i < n; i++) {
      if (!exclude.isEmpty() && exclude.contains(pool.get(i))) {
        continue;
      }
      deficit[i] = Math.max(0, total * pool.get(i).weight() / weights - count[i]);
      deficits += deficit[i];
      open += pool.get(i).weight();
    }
    if (open == 0) {
      return null;
    }
    if (deficits > 0) {
      return pool.get(draw(deficit, deficits));
    }
    // Nobody outside the exclusion is below its share (only a migration's source was): by weight.
    double[] weight = new double[n];
    for (int i = 0; i < n; i++) {
      boolean excluded = !exclude.isEmpty() && exclude.contains(pool.get(i));
      weight[i] = excluded ? 0 : pool.get(i).weight();
    }
    return pool.get(draw(weight, (double) open)); // a sum of weights (≤ 10,000 each): exact as a double
  }

  /** An index drawn with probability {@code w[i] ÷ sum}. */
  private int draw(double[] w, double sum) {
    double r = random.nextDouble() * sum;
    int last = -1;
    for (int i = 0; i < w.length; i++) {
      if (w[i] > 0) {
        last = i;
        r -= w[i];
        if (r < 0) {
          return i;
        }
      }
    }
    return last; // rounding
  }

  /**
   * Shedding (see the class comment): the leases to close now, at most {@code budget}.
   *
   * @param leases per endpoint of {@code pool}, its open leases not being shed
   */
  List<DefaultConnectionBalancer.Lease> shed(BalancerState state, List<EndpointState> pool,
      List<List<DefaultConnectionBalancer.Lease>> leases, long now, int budget) {
    if (state.stale()) {
      return List.of(); // counts read from a snapshot cache are of unknown age
    }
    int n = pool.size();
    long total = 0;
    long weights = 0;
    for (EndpointState e : pool) {
      total += e.published().value();
      weights += e.weight();
    }
    double tol = config.rebalanceTolerance();
    double[] share = new double[n];
    boolean outside = false;
    for (int i = 0; i < n; i++) {
      share[i] = (double) total * pool.get(i).weight() / weights;
      int c = pool.get(i).published().value();
      // Beyond the tolerance by at least one whole connection (shares are fractions).
      outside |= (c > share[i] * (1 + tol) && c - share[i] >= 1) || (c < share[i] * (1 - tol) && share[i] - c >= 1);
    }
    List<DefaultConnectionBalancer.Lease> out = new ArrayList<>();
    long round = config.rebalanceRound().toNanos();
    for (int i = 0; i < n; i++) {
      PublishedCount p = pool.get(i).published();
      int c = p.value();
      double excess = c - share[i];
      for (DefaultConnectionBalancer.Lease lease : leases.get(i)) {
        Decision d = lease.fleet;
        if (!outside || excess <= 0) {
          d.pending = false; // even, or not over: nothing to decide; a later trigger starts a new round
          continue;
        }
        boolean sameCount = d.on(p.version(), state.membershipChangedAtNanos());
        if (sameCount) {
          if (now - d.decidedAt < STALE_ROUNDS * round) {
            continue; // decided on this very count: wait for it to show the moves
          }
          if (d.times >= 2) {
            if (d.excess >= frozenIfUnchanged(c)) {
              warnFrozen(pool.get(i), c, d.excess);
            }
            continue; // twice on one count is enough: a count that never moves may be stale
          }
        }
        if (!d.pending) {
          // At a random moment of a round, so that the fleet's decisions spread out; and a round at
          // least after this connection's last decision, so that the moves it saw being decided
          // (some still closing: grpc-java drops a subchannel 5 s after it is shut down) show in the
          // counts before it decides again.
          d.pending = true;
          long earliest = d.version < 0 ? now : Math.max(now, d.decidedAt + round);
          d.decideAt = earliest + (long) (random.nextDouble() * round);
          continue;
        }
        if (now < d.decideAt) {
          continue;
        }
        boolean move = random.nextDouble() * c < excess;
        if (move && out.size() >= budget) {
          continue; // over this process's shedding rate: decide again on a later run
        }
        d.pending = false;
        d.times = sameCount ? d.times + 1 : 1;
        d.version = p.version();
        d.membership = state.membershipChangedAtNanos();
        d.decidedAt = now;
        d.excess = excess;
        if (move) {
          out.add(lease);
        }
      }
    }
    return out;
  }

  /**
   * The expected moves above which a count that did not move after a decision looks frozen: a
   * publisher writes changes of max(1, 5 %) (ConnectionCountPublisher's default), and with an
   * expected 3 × that + 8 moves, fewer than that many happen with a chance below 1 in 10,000
   * (binomial). Only for the warning: the rule decides at most twice on one count either way.
   */
  static double frozenIfUnchanged(int count) {
    return 3 * Math.max(1, 0.05 * count) + 8;
  }

  private void warnFrozen(EndpointState e, int count, double excess) {
    if (e.published().firstFrozenWarning()) {
      log.warn("{}: instance {} still publishes {} connections after {} rounds, though {} should have moved off it; "
          + "taking its count as stale: no more moves off it until it changes", e.instance().service(), e.id(), count,
          STALE_ROUNDS, Math.round(excess));
    }
  }
}
