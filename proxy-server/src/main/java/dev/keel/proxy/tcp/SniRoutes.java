package dev.keel.proxy.tcp;

import dev.keel.proxy.config.HostPattern;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.RouteConfig;
import dev.keel.proxy.config.ServiceTemplate;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * The routes of a tcp listener: by the TLS server name (SNI) the client asked for, after the
 * listener's handshake, so that one TLS port carries several services. The first route whose
 * {@code sni} matches (exact or {@code *.suffix}, any case; a route without one matches every
 * connection, a client that sent no name included) names the service: a fixed one, or {@code
 * {host.N}} of the server name. A listener with {@code service:} has one route that matches all.
 * A connection no route takes, or whose name gives an invalid service name, is closed at once and
 * reaches no instance. Immutable and thread-safe.
 */
final class SniRoutes {
  private final Route[] routes;

  /** One route, ready to match, with its counters. */
  static final class Route {
    final String name;
    final @Nullable RouteConfig config;
    private final @Nullable HostPattern sni;
    private final ServiceTemplate template;
    private final @Nullable ServiceEntry<TcpService> fixed;
    private final ServiceDirectory.@Nullable Group<TcpService> group;
    /** Connect attempts of a connection: the first plus {@code retries.attempts}. */
    final int attempts;
    final LongAdder connections = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unconnected = new LongAdder();
    final LongAdder retries = new LongAdder();

    Route(String name, @Nullable RouteConfig config, ListenerConfig settings, ServiceTemplate template,
        ServiceDirectory<TcpService> directory) {
      this.name = name;
      this.config = config;
      this.sni = config == null ? null : config.match().sni();
      this.template = template;
      String fixedName = template.fixedName();
      this.fixed = fixedName == null ? null : directory.pinned(settings.withService(fixedName));
      this.group = fixedName == null ? directory.group(settings) : null;
      this.attempts = 1 + settings.retries().attempts();
    }
  }

  /** What routing one connection gave: a route and its service, or none (the connection is closed). */
  record Choice(Route route, ServiceEntry<TcpService> service) {}

  SniRoutes(ListenerConfig config, ServiceDirectory<TcpService> directory) {
    List<Route> list = new ArrayList<>();
    String service = config.service();
    if (service != null) {
      list.add(new Route(config.name(), null, config, ServiceTemplate.fixed(service), directory));
    }
    for (RouteConfig r : config.routes()) {
      list.add(new Route(r.name(), r, config.routed(r), r.service(), directory));
    }
    this.routes = list.toArray(new Route[0]);
  }

  /** The listener's one service when it has {@code service:}, else null. */
  @Nullable ServiceEntry<TcpService> single() {
    return routes.length == 1 && routes[0].config == null ? routes[0].fixed : null;
  }

  /** The route and service for a connection that asked for {@code serverName} (null: none sent); null when none applies. */
  @Nullable Choice route(@Nullable String serverName) {
    for (Route r : routes) {
      HostPattern p = r.sni;
      if (p != null && (serverName == null || !p.matches(serverName))) {
        continue;
      }
      ServiceEntry<TcpService> e = r.fixed;
      if (e == null) {
        String name = serverName == null ? null : r.template.fromHost(serverName, serverName.length());
        if (name == null) {
          continue;
        }
        r.connections.increment();
        if (!ServiceTemplate.validName(name)) {
          r.rejected.increment();
          return null;
        }
        ServiceDirectory.Group<TcpService> g = r.group;
        e = g == null ? null : g.get(name);
        if (e == null) {
          return null;
        }
      } else {
        r.connections.increment();
      }
      e.touch();
      return new Choice(r, e);
    }
    return null;
  }

  /** The configured routes with their counters (none for a listener with {@code service:}). */
  List<RouteView> views() {
    List<RouteView> out = new ArrayList<>();
    for (Route r : routes) {
      RouteConfig c = r.config;
      if (c != null) {
        out.add(new RouteView(r.name, c, r.connections.sum(), r.rejected.sum(), r.unconnected.sum(), r.retries.sum()));
      }
    }
    return out;
  }

  /** The server name the client of {@code client} asked for in its TLS handshake, or null. */
  static @Nullable String serverName(Channel client) {
    SslHandler ssl = client.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return null;
    }
    SSLSession s = ssl.engine().getSession();
    if (s instanceof ExtendedSSLSession e) {
      for (SNIServerName n : e.getRequestedServerNames()) {
        if (n instanceof SNIHostName h) {
          return h.getAsciiName();
        }
      }
    }
    return null;
  }
}
