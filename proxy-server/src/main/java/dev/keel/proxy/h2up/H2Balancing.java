package dev.keel.proxy.h2up;

import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.Subscription;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's HTTP/2 upstream connections, across its event loops, as long-lived connections
 * of its {@link ConnectionBalancer} (over the same balancer as its requests): each is counted on
 * its instance ({@link ConnectionBalancer#openOn}: it was opened where a request was balanced, not
 * placed), busy while it carries streams, idle without; when the spread over the instances leaves
 * the {@code rebalance} tolerance, the surplus is shed make-before-break by its pool ({@link
 * H2Pool#shed}): it takes no new streams, its streams finish, then it closes.
 *
 * <p>Why one balancer per service and pools per event loop: a stream must run on its client's
 * event loop, so every loop holds its own connections; what an instance sees, and what must be
 * even, is the sum over the loops.
 *
 * <p>Thread-safe; owns its shedding subscription. The connection balancer belongs to the picker.
 */
public final class H2Balancing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(H2Balancing.class);
  /** How often the connection balancer is asked for connections to shed. */
  static final Duration SHED_PERIOD = Duration.ofMillis(200);

  private final ConnectionBalancer connections;
  private final H2Stats stats;
  private final Map<ConnectionLease, H2Connection> byLease = new ConcurrentHashMap<>();
  private final @Nullable Subscription shedding;

  /** @param shed whether to shed at all (the listener's {@code rebalance.enabled}) */
  public H2Balancing(ConnectionBalancer connections, boolean shed) {
    this(connections, shed, new H2Stats());
  }

  /**
   * @param shed whether to shed at all (the listener's {@code rebalance.enabled})
   * @param stats where it counts: the listener's, shared by the balancing of each service it sends to
   */
  public H2Balancing(ConnectionBalancer connections, boolean shed, H2Stats stats) {
    this.connections = connections;
    this.stats = stats;
    this.shedding = shed ? connections.shedEvery(SHED_PERIOD, this::shed) : null;
  }

  public H2Stats stats() {
    return stats;
  }

  ConnectionLease track(Backend backend, H2Connection c) {
    ConnectionLease lease = connections.openOn(backend.endpoint());
    byLease.put(lease, c);
    return lease;
  }

  void untrack(ConnectionLease lease) {
    byLease.remove(lease);
    lease.close();
  }

  /** On the balancer's timer: the connection's own loop decides whether it can go. */
  private void shed(ConnectionLease lease) {
    H2Connection c = byLease.get(lease);
    if (c == null) {
      lease.keep();
      return;
    }
    log.debug("shed {}", c);
    c.pool().loop().execute(() -> c.pool().shed(c, lease));
  }

  /** Max ÷ share and the coefficient of variation of the connections over the available instances. */
  public Evenness evenness() {
    return connections.evenness();
  }

  @Override
  public void close() {
    if (shedding != null) {
      shedding.close();
    }
  }
}
