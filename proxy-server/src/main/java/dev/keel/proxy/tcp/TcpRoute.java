package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.upstream.LingeringLeases;
import dev.keel.proxy.upstream.UpstreamPicker;
import io.netty.bootstrap.Bootstrap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What every connection of one tcp listener shares: its picker (the balancer and its connection
 * balancer, the same way in as an http listener's), the upstream bootstrap (cloned onto each client's event loop), the counters, and the open connections
 * by lease so that a shed lease finds its connection. Thread-safe; owned by the listener.
 */
final class TcpRoute {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TcpRoute.class);
  /** Spread of the moment a shed connection starts draining, so sheds do not land in bursts. */
  static final long SHED_JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  final ListenerConfig config;
  final UpstreamPicker picker;
  final ConnectionBalancer connections;
  /** True: the connection balancer places connections (least-connections); false: the policy does. */
  final boolean placedByConnections;
  final Bootstrap upstream;
  final boolean splice;
  final long idleNanos;
  /** {@code timeouts.connect}: the TCP connect, and the TLS handshake to an instance after it. */
  final int connectTimeoutMillis;
  /** Connect attempts per client connection: the first plus {@code retries.attempts}. */
  final int attempts;
  final TcpStats stats;
  final ConnectionGate gate;
  final ListenerTls tls;
  private final Map<ConnectionLease, TcpConnection> byLease = new ConcurrentHashMap<>();
  private final LingeringLeases lingering = new LingeringLeases();

  TcpRoute(ListenerConfig config, UpstreamPicker picker, Bootstrap upstream, boolean splice, ConnectionGate gate, ListenerTls tls) {
    this.gate = gate;
    this.tls = tls;
    this.stats = new TcpStats(gate);
    this.config = config;
    this.picker = picker;
    this.connections = picker.connections();
    this.placedByConnections = config.placedByConnections();
    this.upstream = upstream;
    this.splice = splice;
    this.idleNanos = config.timeouts().idle().toNanos();
    this.connectTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeouts().connect().toMillis()));
    this.attempts = 1 + config.retries().attempts();
  }

  /** See {@link LingeringLeases}. */
  void linger(ConnectionLease lease, io.netty.channel.EventLoop loop, long graceNanos) {
    lingering.linger(lease, loop, graceNanos);
  }

  /** A new connection was placed: the oldest lingering lease stops counting. */
  void placed() {
    lingering.placed();
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
}
