package dev.keel.proxy.tcp;

import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.listener.ServerBinding;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Subscription;
import io.netty.channel.group.ChannelGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A bound tcp listener. Thread-safe. Owns the server channel, the client connections, the shedding
 * subscription and the balancer, and closes them in {@link #close()}.
 */
final class TcpRunningListener implements RunningListener, ConnectionSpread {
  private final TcpRoute route;
  private final ServerBinding bound;
  private final ChannelGroup clients;
  private final @Nullable Subscription shedding;
  private final InetSocketAddress local;
  private final ListenerStats httpStats = new ListenerStats();
  private final UpstreamPicker picker;

  TcpRunningListener(TcpRoute route, ServerBinding bound, ChannelGroup clients, @Nullable Subscription shedding) {
    this.route = route;
    this.bound = bound;
    this.clients = clients;
    this.shedding = shedding;
    this.local = bound.localAddress();
    this.picker = route.picker;
  }

  @Override
  public ListenerConfig config() {
    return route.config;
  }

  @Override
  public InetSocketAddress localAddress() {
    return local;
  }

  /**
   * The listener's picker, as an http listener's: connections are placed by its connection balancer
   * and each connect is counted through it. Status reads the backends as {@link #shares()}.
   */
  @Override
  public UpstreamPicker picker() {
    return picker;
  }

  /** HTTP request counters: all zero on a tcp listener (see {@link #tcpStats()}). */
  @Override
  public ListenerStats stats() {
    return httpStats;
  }

  @Override
  public TcpStats tcpStats() {
    return route.stats;
  }

  @Override
  public Evenness evenness() {
    return route.connections.evenness();
  }

  @Override
  public List<BackendShare> shares() {
    BalancerState state = route.picker.state();
    Set<Endpoint> available = new HashSet<>(state.available());
    long total = 0;
    long weights = 0;
    for (Endpoint e : state.available()) {
      total += e.activeConnections();
      weights += e.weight();
    }
    List<BackendShare> out = new ArrayList<>();
    for (Endpoint e : state.members()) {
      boolean in = available.contains(e);
      double share = in && weights > 0 ? (double) total * e.weight() / weights : 0;
      out.add(new BackendShare(e.id(), e.instance().host() + ":" + e.instance().port(), e.weight(), in,
          e.ejected(), e.activeConnections(), Math.round(share * 100) / 100.0));
    }
    return out;
  }

  @Override
  public ListenerTls tls() {
    return route.tls;
  }

  @Override
  public ConnectionGate gate() {
    return route.gate;
  }

  @Override
  public void stopAccepting() {
    bound.stopAccepting();
  }

  @Override
  public void resumeAccepting() {
    bound.resumeAccepting();
  }

  @Override
  public void drain() {
    route.drainAll();
  }

  @Override
  public int openConnections() {
    return route.stats.open();
  }

  @Override
  public void close() {
    if (shedding != null) {
      shedding.close();
    }
    bound.stopAccepting();
    clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    route.picker.close();
  }

  @Override
  public String toString() {
    return "tcp listener '" + route.config.name() + "' on " + local;
  }
}
