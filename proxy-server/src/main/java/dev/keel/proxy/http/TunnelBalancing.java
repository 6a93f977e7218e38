package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.upstream.LingeringLeases;
import dev.keel.registry.Subscription;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket tunnels of one HTTP listener as long-lived connections: placed by the listener's
 * {@link ConnectionBalancer} (over the same balancer as its requests) and, when the listener's
 * {@code rebalance} section is enabled, shed with a 1012 Close frame so that their clients
 * reconnect evenly. Keep-alive connections are not counted: requests are balanced one by one.
 *
 * <p>Thread-safe. Owns the shedding subscription ({@link #close()}); the balancer belongs to the picker.
 */
public final class TunnelBalancing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TunnelBalancing.class);
  /** How often the connection balancer is asked for tunnels to shed. */
  static final Duration SHED_PERIOD = Duration.ofMillis(100);
  /** Spread of the moment a shed tunnel starts closing, so sheds do not land in bursts. */
  private static final long SHED_JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How long the lease of a shed tunnel keeps counting after the close: time for the client to reconnect. */
  static final long RECONNECT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final ConnectionBalancer connections;
  private final Map<ConnectionLease, WebSocketTunnel> byLease = new ConcurrentHashMap<>();
  private final LingeringLeases lingering = new LingeringLeases();
  private final @Nullable Subscription shedding;

  /** @param shed whether to shed at all (the listener's {@code rebalance.enabled}) */
  public TunnelBalancing(ConnectionBalancer connections, boolean shed) {
    this.connections = connections;
    this.shedding = shed ? connections.shedEvery(SHED_PERIOD, this::shed) : null;
  }

  /**
   * Places the tunnel an upgrade request asks for, off the endpoints in {@code exclude} (those the
   * request already failed on); null when none is available. A {@code first} attempt counts as a
   * new tunnel for the leases of shed tunnels still lingering.
   */
  @Nullable ConnectionLease open(Collection<? extends Endpoint> exclude, boolean first) {
    ConnectionLease lease = connections.open(exclude);
    if (lease != null && first) {
      lingering.placed();
    }
    return lease;
  }

  void register(ConnectionLease lease, WebSocketTunnel tunnel) {
    byLease.put(lease, tunnel);
  }

  /** The tunnel is over: its lease stops counting, after the reconnect grace when it was shed. */
  void end(ConnectionLease lease, boolean shed, io.netty.channel.EventLoop loop) {
    byLease.remove(lease);
    if (shed) {
      lingering.linger(lease, loop, RECONNECT_GRACE_NANOS);
    } else {
      lease.close();
    }
  }

  /** Stops counting a tunnel that stays open (its framing cannot be followed, so it cannot be shed). */
  void forget(ConnectionLease lease) {
    byLease.remove(lease);
    lease.close();
  }

  /**
   * A lease the connection balancer sheds, on its timer thread: the tunnel closes at its next
   * message boundary. One not registered (its upgrade still under way, or already over) cannot be
   * moved now, so its shed is taken back.
   */
  private void shed(ConnectionLease lease) {
    WebSocketTunnel t = byLease.get(lease);
    log.debug("shed tunnel on {}: {}", lease.endpoint().id(), t);
    if (t == null) {
      lease.keep();
    } else {
      t.requestClose(true, ThreadLocalRandom.current().nextLong(SHED_JITTER_NANOS));
    }
  }

  /** Max ÷ share and the coefficient of variation of tunnels over the available endpoints. */
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
