package dev.keel.proxy.listener;

import dev.keel.proxy.accesslog.AccessLog;
import dev.keel.proxy.accesslog.AccessLogConfig;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.UpstreamProtocol;
import dev.keel.proxy.h2up.H2AlpnCheck;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Options;
import dev.keel.proxy.h2up.H2Pool;
import dev.keel.proxy.h2up.H2Stats;
import dev.keel.proxy.http.H2Upstreams;
import dev.keel.proxy.http.HttpProxyHandler;
import dev.keel.proxy.http.HttpRoute;
import dev.keel.proxy.http.HttpService;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import java.util.List;
import org.jspecify.annotations.Nullable;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.http.TunnelBalancing;
import dev.keel.proxy.http.UpstreamResponseDecoder;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.tls.TlsMaterial;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;


/** The {@code http} listener kind: the HTTP/1.1 reverse proxy. */
final class HttpListenerKind implements ListenerKind {

  @Override
  public String protocol() {
    return "http";
  }

  @Override
  public RunningListener start(ListenerConfig config, ListenerEnvironment env) {
    ListenerTls tls = new ListenerTls(TlsMaterial.load(config.tls(), config.upstream().tls(), config.alpn()));
    ConnectionGate gate = new ConnectionGate(config.maxConnections(), env.fds());
    boolean shed = config.rebalance().enabled();
    ClassLoader policies = env.plugins().classLoader();
    long idleNanos = config.timeouts().idle().toNanos();
    int connectMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeouts().connect().toMillis()));
    Bootstrap upstream = new Bootstrap()
        .channel(env.transport().socketChannel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis);
    java.util.function.Function<io.netty.channel.EventLoop, UpstreamPool> pools = loop -> new UpstreamPool(loop, upstream,
        (ch, backend) -> {
          SslHandler upstreamTls = tls.upstreamHandler(ch.alloc(), backend.host(), backend.port());
          if (upstreamTls != null) {
            // connecting includes the handshake (Http1Upstream): it gets the service's timeouts.connect too
            int millis = backend.connectTimeoutMillis();
            upstreamTls.setHandshakeTimeoutMillis(millis > 0 ? millis : connectMillis);
            ch.pipeline().addLast("tls", upstreamTls);
          }
          // Requests are written as bytes by the proxy handler; responses are parsed and forwarded
          // without header objects. No HTTP codec objects on either path.
          ch.pipeline().addLast("response-decoder", new UpstreamResponseDecoder());
        }, config.upstream().maxIdlePerLoop(), idleNanos);
    H2Stats h2Stats = new H2Stats();
    H2Options h2Options = H2Options.of(config);
    boolean h2 = config.upstream().protocol().http2();
    boolean h2Tls = config.upstream().protocol() == UpstreamProtocol.H2;
    BiFunction<EventLoop, H2Balancing, H2Pool> h2Pools = (loop, balancing) -> new H2Pool(loop,
        UpstreamPool.dialer(loop, upstream), (ch, backend) -> {
          SslHandler upstreamTls = tls.upstreamHandler(ch.alloc(), backend.host(), backend.port());
          if (upstreamTls != null) {
            int millis = backend.connectTimeoutMillis();
            upstreamTls.setHandshakeTimeoutMillis(millis > 0 ? millis : connectMillis);
            ch.pipeline().addLast("tls", upstreamTls);
            ch.pipeline().addLast("alpn-check", new H2AlpnCheck(backend.toString())); // h2: TLS offering only h2
          }
        }, h2Options, balancing);
    // A service's connection balancer evens either its WebSocket tunnels (HTTP/1.1 instances) or its
    // HTTP/2 connections to the instances: never both, so its counts mean one thing.
    ServiceDirectory<HttpService> services = ServiceDirectory.of(config, service -> {
      UpstreamPicker picker = UpstreamPicker.start(service, env.discovery(), policies);
      return h2
          ? HttpService.http2(picker, new H2Upstreams(new H2Balancing(picker.connections(), shed, h2Stats), h2Tls, h2Pools))
          : new HttpService(picker, new TunnelBalancing(picker.connections(), shed));
    });
    HttpRoute route;
    try {
      route = new HttpRoute(config, services, pools); // opens the fixed services
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
    AccessLogConfig accessLogConfig = config.accessLog();
    AccessLog accessLog;
    try {
      accessLog = accessLogConfig == null ? null : AccessLog.open(config.name(), accessLogConfig);
    } catch (IllegalStateException e) {
      route.close();
      throw e;
    }
    ChannelGroup clients = new DefaultChannelGroup(config.name(), GlobalEventExecutor.INSTANCE);
    HttpConnections connections = new HttpConnections(route, accessLog);
    ServerBootstrap server = new ServerBootstrap()
        .group(env.boss(), env.workers())
        .channel(env.transport().serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!gate.admit(ch)) {
              ch.close();
              return;
            }
            clients.add(ch);
            boolean tlsClient = tls.addServerHandlers(ch.pipeline()) != null;
            connections.init(ch.pipeline(), tlsClient); // HTTP/1.1, or HTTP/2 by ALPN or by the preface
          }
        });
    ServerBinding bound;
    try {
      bound = ServerBinding.bind(server, config, env.transport());
    } catch (IllegalStateException e) {
      route.close();
      if (accessLog != null) {
        accessLog.close();
      }
      throw e;
    }
    return new Running(config, bound, route, clients, tls, gate, accessLog, h2 ? h2Stats : null);
  }

  private static final class Running implements RunningListener {
    private final ListenerConfig config;
    private final ServerBinding bound;
    private final HttpRoute route;
    private final ChannelGroup clients;
    private final InetSocketAddress local;
    private final ListenerTls tls;
    private final ConnectionGate gate;
    private final @Nullable AccessLog accessLog;
    private final @Nullable H2Stats h2Stats;

    Running(ListenerConfig config, ServerBinding bound, HttpRoute route, ChannelGroup clients, ListenerTls tls, ConnectionGate gate,
        @Nullable AccessLog accessLog, @Nullable H2Stats h2Stats) {
      this.accessLog = accessLog;
      this.h2Stats = h2Stats;
      this.config = config;
      this.bound = bound;
      this.route = route;
      this.clients = clients;
      this.local = bound.localAddress();
      this.tls = tls;
      this.gate = gate;
    }

    @Override
    public ListenerTls tls() {
      return tls;
    }

    @Override
    public ConnectionGate gate() {
      return gate;
    }

    @Override
    public void resumeAccepting() {
      bound.resumeAccepting();
    }

    @Override
    public ListenerConfig config() {
      return config;
    }

    @Override
    public InetSocketAddress localAddress() {
      return local;
    }

    @Override
    public @Nullable UpstreamPicker picker() {
      return route.picker();
    }

    @Override
    public List<RouteView> routes() {
      return route.routes();
    }

    @Override
    public @Nullable ServiceDirectory<?> services() {
      return route.config().routes().isEmpty() ? null : route.services();
    }

    @Override
    public ListenerStats stats() {
      return route.stats();
    }

    @Override
    public @Nullable H2Stats http2UpstreamStats() {
      return h2Stats;
    }

    @Override
    public @Nullable H2Balancing http2Upstream() {
      HttpService s = route.single();
      H2Upstreams h = s == null ? null : s.http2();
      return h == null ? null : h.balancing();
    }

    @Override
    public void stopAccepting() {
      bound.stopAccepting();
    }

    @Override
    public void drain() {
      for (Channel c : clients) {
        c.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      }
    }

    @Override
    public int openConnections() {
      return clients.size();
    }

    @Override
    public void close() {
      bound.stopAccepting();
      clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      route.closeIdle();
      route.close();
      if (accessLog != null) {
        accessLog.close(); // after the connections: their last lines are written
      }
    }

    @Override
    public void reopenAccessLog() {
      if (accessLog != null) {
        accessLog.reopen();
      }
    }

    @Override
    public long accessLogDropped() {
      return accessLog == null ? 0 : accessLog.dropped();
    }

    @Override
    public String toString() {
      return "http listener '" + config.name() + "' on " + local;
    }

  }
}
