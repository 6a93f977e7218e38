package dev.keel.proxy.admin;

import dev.keel.proxy.config.AdminConfig;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.FileDescriptors;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.proxy.transport.Transport;
import dev.keel.registry.RegistryClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * The admin listener: {@code /status}, {@code /metrics}, {@code /healthz} and the dashboard at
 * {@code /}. Small and separate from the proxy listeners; shares their event loops. Hardened for a
 * port that untrusted clients may reach: at most {@code admin.max-connections} connections, each
 * with a deadline per request ({@link AdminDeadline}); without a token, only {@code Host} names
 * that cannot be DNS-rebound are answered ({@link AdminHosts}); it never competes for the
 * descriptors proxy listeners leave in reserve ({@link FileDescriptors}).
 */
public final class AdminServer implements AutoCloseable {
  private final Channel bound;
  private final LazyMetrics metrics;

  private AdminServer(Channel bound, LazyMetrics metrics) {
    this.bound = bound;
    this.metrics = metrics;
  }

  /**
   * Binds the admin listener of {@code config} (whose listen address must be set); {@code /status}
   * lists {@code plugins} and the policy names they make known.
   *
   * @throws IllegalStateException naming the address when it cannot bind
   */
  public static AdminServer start(AdminConfig config, Transport transport, EventLoopGroup boss, EventLoopGroup workers,
      List<RunningListener> listeners, RegistryClient registry, Plugins plugins) {
    LazyMetrics metrics = new LazyMetrics(listeners, registry);
    AdminHandler.Shared shared = new AdminHandler.Shared(listeners, metrics, config.token(), registry, new AdminHosts(config),
        plugins, transport);
    // Its own connection limit, and no share of the descriptor budget: the reserve is for it.
    ConnectionGate gate = new ConnectionGate(config.maxConnections(), FileDescriptors.UNLIMITED);
    long deadlineMillis = Math.max(1, config.requestTimeout().toMillis());
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(transport.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!gate.admit(ch)) {
              ch.close();
              return;
            }
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(8192), new AdminDeadline(deadlineMillis), new AdminHandler(shared));
          }
        });
    InetSocketAddress at = Objects.requireNonNull(config.listen(), "admin.listen").toSocketAddress();
    io.netty.channel.ChannelFuture bind = b.bind(at).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      throw new IllegalStateException("admin: cannot listen on " + config.listen() + ": " + bind.cause().getMessage(), bind.cause());
    }
    return new AdminServer(bind.channel(), metrics);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) bound.localAddress();
  }

  @Override
  public void close() {
    bound.close().syncUninterruptibly();
    metrics.close();
  }
}
