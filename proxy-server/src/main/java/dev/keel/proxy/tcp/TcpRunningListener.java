package dev.keel.proxy.tcp;

import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.listener.ServerBinding;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.upstream.UpstreamPicker;
import io.netty.channel.group.ChannelGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A bound tcp listener. Thread-safe. Owns the server channel, the client connections and its route
 * (the services, each with its balancer and shedding), and closes them in {@link #close()}.
 */
final class TcpRunningListener implements RunningListener, ConnectionSpread {
  private final TcpRoute route;
  private final ServerBinding bound;
  private final ChannelGroup clients;
  private final InetSocketAddress local;
  private final ListenerStats httpStats = new ListenerStats();

  TcpRunningListener(TcpRoute route, ServerBinding bound, ChannelGroup clients) {
    this.route = route;
    this.bound = bound;
    this.clients = clients;
    this.local = bound.localAddress();
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
   * The picker of the listener's one service, as an http listener's: connections are placed by its
   * connection balancer and each connect is counted through it. Status reads the backends as {@link
   * #shares()}. Null on a listener with routes ({@link #services()}).
   */
  @Override
  public @Nullable UpstreamPicker picker() {
    TcpService s = route.single();
    return s == null ? null : s.picker();
  }

  @Override
  public List<RouteView> routes() {
    return route.routes.views();
  }

  @Override
  public @Nullable ServiceDirectory<?> services() {
    return route.config.routes().isEmpty() ? null : route.services;
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

  /** The listener's one service's spread; with routes, the least even of its open services'. */
  @Override
  public Evenness evenness() {
    TcpService single = route.single();
    if (single != null) {
      return single.connections().evenness();
    }
    Evenness worst = new Evenness(1, 0, 0, 0);
    for (ServiceEntry<TcpService> e : route.services.entries()) {
      TcpService s = e.service();
      Evenness ev = s == null ? null : s.connections().evenness();
      if (ev != null && ev.maxOverShare() > worst.maxOverShare()) {
        worst = ev;
      }
    }
    return worst;
  }

  /** The shares of the listener's one service; none with routes (each service shows its own backends). */
  @Override
  public List<BackendShare> shares() {
    UpstreamPicker picker = picker();
    if (picker == null) {
      return List.of();
    }
    BalancerState state = picker.state();
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
    bound.stopAccepting();
    clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    route.close();
  }

  @Override
  public String toString() {
    return "tcp listener '" + route.config.name() + "' on " + local;
  }
}
