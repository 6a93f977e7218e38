package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.h2up.H2AlpnCheck;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Options;
import dev.keel.proxy.h2up.H2Pool;
import dev.keel.proxy.http.HttpProxyHandler;
import dev.keel.proxy.http.HttpRoute;
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
import java.util.concurrent.TimeUnit;


/** The {@code http} listener kind: the HTTP/1.1 and HTTP/2 reverse proxy. */
final class HttpListenerKind implements ListenerKind {
  @Override
  public String protocol() {
    return "http";
  }

  @Override
  public RunningListener start(ListenerConfig config, ListenerEnvironment env) {
    ListenerTls tls = new ListenerTls(TlsMaterial.load(config.tls(), config.upstream().tls(), config.alpn()));
    ConnectionGate gate = new ConnectionGate(config.maxConnections(), env.fds());
    boolean h2 = config.upstream().protocol().http2();
    UpstreamPicker picker = UpstreamPicker.start(config, env.discovery());
    // The listener's connection balancer evens either its WebSocket tunnels (HTTP/1.1 instances) or
    // its HTTP/2 connections to the instances: never both, so its counts mean one thing.
    TunnelBalancing tunnels = h2 ? null : new TunnelBalancing(picker.connections(), config.rebalance().enabled());
    H2Balancing h2Balancing = h2 ? new H2Balancing(picker.connections(), config.rebalance().enabled()) : null;
    long idleNanos = config.timeouts().idle().toNanos();
    Bootstrap upstream = new Bootstrap()
        .channel(env.transport().socketChannel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, config.timeouts().connect().toMillis()));
    HttpRoute route;
    if (h2Balancing != null) {
      H2Options options = H2Options.of(config);
      route = HttpRoute.http2(config, picker, loop -> new H2Pool(loop, UpstreamPool.dialer(loop, upstream), (ch, backend) -> {
        SslHandler upstreamTls = tls.upstreamHandler(ch.alloc(), backend.host(), backend.port());
        if (upstreamTls != null) {
          ch.pipeline().addLast("tls", upstreamTls);
          ch.pipeline().addLast("alpn-check", new H2AlpnCheck(backend.toString())); // h2: TLS offering only h2
        }
      }, options, h2Balancing), h2Balancing);
    } else {
      route = new HttpRoute(config, picker, loop -> new UpstreamPool(loop, upstream, (ch, backend) -> {
        SslHandler upstreamTls = tls.upstreamHandler(ch.alloc(), backend.host(), backend.port());
        if (upstreamTls != null) {
          ch.pipeline().addLast("tls", upstreamTls);
        }
        // Requests are written as bytes by the proxy handler; responses are parsed and forwarded
        // without header objects. No HTTP codec objects on either path.
        ch.pipeline().addLast("response-decoder", new UpstreamResponseDecoder());
      }, config.upstream().maxIdlePerLoop(), idleNanos), tunnels);
    }
    ChannelGroup clients = new DefaultChannelGroup(config.name(), GlobalEventExecutor.INSTANCE);
    HttpConnections connections = new HttpConnections(route);
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
      if (tunnels != null) {
        tunnels.close();
      }
      if (h2Balancing != null) {
        h2Balancing.close();
      }
      picker.close();
      throw e;
    }
    return new Running(config, bound, route, clients, tls, gate);
  }

  private static final class Running implements RunningListener {
    private final ListenerConfig config;
    private final ServerBinding bound;
    private final HttpRoute route;
    private final ChannelGroup clients;
    private final InetSocketAddress local;
    private final ListenerTls tls;
    private final ConnectionGate gate;

    Running(ListenerConfig config, ServerBinding bound, HttpRoute route, ChannelGroup clients, ListenerTls tls, ConnectionGate gate) {
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
    public UpstreamPicker picker() {
      return route.picker();
    }

    @Override
    public ListenerStats stats() {
      return route.stats();
    }

    @Override
    public @org.jspecify.annotations.Nullable H2Balancing http2Upstream() {
      return route.http2();
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
      TunnelBalancing t = route.tunnels();
      if (t != null) {
        t.close();
      }
      H2Balancing b = route.http2();
      if (b != null) {
        b.close();
      }
      route.picker().close();
    }

    @Override
    public String toString() {
      return "http listener '" + config.name() + "' on " + local;
    }

  }
}
