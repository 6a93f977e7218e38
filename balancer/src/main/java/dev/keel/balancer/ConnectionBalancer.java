package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Subscription;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Keeps long-lived connections (WebSocket and other tunnels, L4 relays, an application's own
 * persistent connections) spread over a {@link Balancer}'s available endpoints in proportion to
 * their weights. It decides; the transport opens and closes.
 *
 * <ul>
 *   <li><b>Placement</b>: {@link #open()} puts a new connection on the endpoint furthest below its
 *       weighted share.
 *   <li><b>Shedding</b>: the transport calls {@link #shedCandidates()} periodically (say every
 *       100 ms–1 s) and gracefully closes the connections returned. Shedding starts once the
 *       membership has been quiet for {@link BalancerConfig#rebalanceSettle()} and the spread
 *       leaves the tolerance (some endpoint above share × (1 + tolerance), or below share × (1 −
 *       tolerance)); it then moves connections off over-loaded endpoints, idle ones first, chosen at
 *       random, at most {@link BalancerConfig#rebalanceMaxShedPerSecond()}, until no endpoint holds
 *       more than its share rounded up. When the transport cannot move a shed connection (the
 *       new one failed to open, or the handover failed), it calls {@link ConnectionLease#keep()}:
 *       the connection counts as an ordinary one again, and a later run sheds it (or another) if
 *       the spread still calls for it.
 * </ul>
 *
 * Shares count only the balancer's available (live, healthy) endpoints; connections on removed or
 * unhealthy endpoints are neither counted nor shed (the transport closes them as they fail).
 * Counters live on the {@link Endpoint}s, which survive membership updates.
 *
 * <p>Thread-safe. {@link #open()} and {@link #shedCandidates()} take a short lock and run in
 * O(endpoints) and O(connections) respectively: they are not per-request operations.
 *
 * <p>Sealed: {@link #create(Balancer)} makes the one implementation, over the balancer's own
 * endpoints.
 */
public sealed interface ConnectionBalancer permits DefaultConnectionBalancer {
  /** A connection balancer over {@code balancer}'s endpoints, with its config's rebalance settings. */
  static ConnectionBalancer create(Balancer balancer) {
    return new DefaultConnectionBalancer((DefaultBalancer) requireNonNull(balancer, "balancer"));
  }

  /**
   * Places a new connection.
   *
   * @return its lease, or null when no endpoint is available
   */
  @Nullable ConnectionLease open();

  /**
   * Places a new connection on an available endpoint not in {@code exclude}: the one furthest below
   * its weighted share among those. A migration passes the endpoint the connection is leaving, so
   * the replacement never lands where it comes from. With an empty {@code exclude}, same as {@link
   * #open()}.
   *
   * @param exclude endpoints not to place the connection on (compared with {@code contains})
   * @return its lease, or null when no available endpoint is left outside {@code exclude}
   */
  @Nullable ConnectionLease open(Collection<? extends Endpoint> exclude);

  /**
   * A lease on {@code endpoint}, chosen by the caller rather than by this balancer's placement: a
   * tcp listener whose policy places connections (ring-hash on the client address), or a
   * multiplexed connection (HTTP/2) opened because a request was balanced there or because the
   * connections there were full. It counts like any other lease in {@link #evenness()} and the
   * endpoints' {@code activeConnections}, so policies that read them see it, and it may be shed
   * like a placed one. The endpoint may have left discovery between the pick that chose it and the
   * connection opening: it is then simply not counted in shares nor shed until it is back.
   *
   * @param endpoint an endpoint of this balancer's {@link Balancer}, as its {@code pick} returns
   * @throws IllegalArgumentException when {@code endpoint} is not one of its balancer's
   */
  ConnectionLease openOn(Endpoint endpoint);

  /**
   * The leases to close now, each already marked {@link ConnectionLease#shedding()}; empty when the
   * spread is within tolerance, the membership is settling, or the rate budget is spent. Uses the
   * balancer's clock.
   */
  List<ConnectionLease> shedCandidates();

  /**
   * Calls {@link #shedCandidates()} every {@code period} on the balancer's clock and hands each
   * lease to {@code closer}, until the returned subscription is closed. {@code closer} runs on the
   * clock's timer thread: it must only start the graceful close (for example by scheduling it on
   * the connection's event loop), never block; an exception from it is logged and the lease stays
   * open.
   */
  Subscription shedEvery(Duration period, Consumer<ConnectionLease> closer);

  /** The current spread over the available endpoints. */
  Evenness evenness();

  /** Open leases, on any endpoint. */
  int connections();
}
