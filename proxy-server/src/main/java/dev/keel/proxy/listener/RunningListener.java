package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Stats;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A bound listener. Thread-safe. */
public interface RunningListener {
  ListenerConfig config();

  /** The address actually bound (the port is real even when 0 was configured). */
  InetSocketAddress localAddress();

  /** The picker of the listener's one service; null on a listener with routes (see {@link #services()}). */
  @Nullable UpstreamPicker picker();

  /** The configured routes with their counters; empty on a listener with {@code service:}. */
  default List<RouteView> routes() {
    return List.of();
  }

  /** The services the routes send to, opened on demand; null on a listener with {@code service:}. */
  default @Nullable ServiceDirectory<?> services() {
    return null;
  }

  ListenerStats stats();

  /** The listener's TLS, whose certificates a reload replaces. */
  ListenerTls tls();

  /** Admission of client connections: {@code max-connections} and the descriptor reserve. */
  ConnectionGate gate();

  /**
   * The HTTP/2 connections to the instances of the listener's one service ({@code service:} and
   * {@code upstream.protocol} h2c or h2), else null (HTTP/1.1 instances, or a listener with routes,
   * whose services each have their own).
   */
  default @Nullable H2Balancing http2Upstream() {
    return null;
  }

  /** Counters of the HTTP/2 connections to the instances of every service of the listener; null with HTTP/1.1 instances. */
  default @Nullable H2Stats http2UpstreamStats() {
    return null;
  }

  /** Stops accepting; open connections stay. */
  void stopAccepting();

  /**
   * Listens again on the same address after {@link #stopAccepting} (a reload rolled back).
   *
   * @throws IllegalStateException when the address cannot be bound again
   */
  void resumeAccepting();

  /** Asks every open connection to close after its current exchange. */
  void drain();

  /** Open client connections. */
  int openConnections();

  /** Has the access log, if the listener has one, open its file again by name (logrotate). */
  default void reopenAccessLog() {}

  /** Access log lines dropped (queue full, failed writes); 0 without an access log. */
  default long accessLogDropped() {
    return 0;
  }

  /** Closes everything now: connections, upstream pools, the picker. */
  void close();
}
