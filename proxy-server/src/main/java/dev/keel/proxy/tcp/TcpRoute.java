package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionLease;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Discovery;
import io.netty.bootstrap.Bootstrap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What every connection of one tcp listener shares: its routes by TLS server name ({@link
 * SniRoutes}; a listener with {@code service:} has one) and the services they relay to, each with
 * its picker and connection balancer (the same way in as an http listener's), the upstream
 * bootstrap (cloned onto each client's event loop), the counters, and the open connections by lease
 * so that a shed lease finds its connection. Thread-safe; owned by the listener, which closes it.
 */
final class TcpRoute implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TcpRoute.class);
  /** Spread of the moment a shed connection starts draining, so sheds do not land in bursts. */
  static final long SHED_JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  final ListenerConfig config;
  final ServiceDirectory<TcpService> services;
  final SniRoutes routes;
  /**
   * True: each service's connection balancer places connections (least-connections) and may shed
   * them; false: the listener's policy places each one (its routes share the listener's policy).
   */
  final boolean placedByConnections;
  final Bootstrap upstream;
  final boolean splice;
  final long idleNanos;
  /** The listener's {@code timeouts.connect}: for a backend that carries no route's own. */
  final int connectTimeoutMillis;
  final TcpStats stats;
  final ConnectionGate gate;
  final ListenerTls tls;
  private final Map<ConnectionLease, TcpConnection> byLease = new ConcurrentHashMap<>();

  /** Opens the listener's fixed services now (its routes' or its one), the others on first use. */
  TcpRoute(ListenerConfig config, Discovery discovery, ClassLoader policies, Bootstrap upstream, boolean splice,
      ConnectionGate gate, ListenerTls tls) {
    this.gate = gate;
    this.tls = tls;
    this.stats = new TcpStats(gate);
    this.config = config;
    this.placedByConnections = config.placedByConnections();
    this.upstream = upstream;
    this.splice = splice;
    this.idleNanos = config.timeouts().idle().toNanos();
    this.connectTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeouts().connect().toMillis()));
    // a policy other than least-connections places each connection: no shedding (ConfigLoader turns rebalance off)
    this.services = ServiceDirectory.of(config, service -> new TcpService(UpstreamPicker.start(service, discovery, policies),
        service.rebalance().enabled() && service.placedByConnections(), this::shed));
    try {
      this.routes = new SniRoutes(config, services);
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  /** The listener's one service when it has {@code service:}; null when it has routes. */
  @Nullable TcpService single() {
    ServiceEntry<TcpService> e = routes.single();
    return e == null ? null : e.service();
  }

  void register(ConnectionLease lease, TcpConnection c) {
    byLease.put(lease, c);
  }

  void unregister(ConnectionLease lease) {
    byLease.remove(lease);
  }

  /**
   * Called with each lease the connection balancer sheds, on the balancer's timer thread: only
   * schedules the graceful close on the connection's event loop. A connection still connecting
   * (not registered yet) cannot be moved now: its shed is taken back ({@link ConnectionLease#keep()}),
   * so it counts as an ordinary connection and a later run sheds it, or another, if still needed.
   */
  void shed(ConnectionLease lease) {
    TcpConnection c = byLease.get(lease);
    log.debug("shed {} -> {}", lease.endpoint().id(), c);
    if (c != null) {
      c.requestClose(true, ThreadLocalRandom.current().nextLong(SHED_JITTER_NANOS));
    } else {
      lease.keep(); // false, and nothing happens, when the connection is already gone (lease closed)
    }
  }

  /** Asks every connection to close at its next quiet moment (shutdown drain). */
  void drainAll() {
    for (TcpConnection c : byLease.values()) {
      c.requestClose(false, 0);
    }
  }

  /** Closes every service: their shedding and pickers. */
  @Override
  public void close() {
    services.close();
  }
}
