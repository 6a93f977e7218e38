package dev.keel.proxy.admin;

import dev.keel.proxy.config.AdminConfig;
import dev.keel.proxy.listener.RunningListener;
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
 * {@code /}. Small and separate from the proxy listeners; shares their event loops.
 */
public final class AdminServer implements AutoCloseable {
  private final Channel bound;
  private final LazyMetrics metrics;

  private AdminServer(Channel bound, LazyMetrics metrics) {
    this.bound = bound;
    this.metrics = metrics;
  }

  /**
   * Binds the admin listener of {@code config} (whose listen address must be set).
   *
   * @throws IllegalStateException naming the address when it cannot bind
   */
  public static AdminServer start(AdminConfig config, Transport transport, EventLoopGroup boss, EventLoopGroup workers,
      List<RunningListener> listeners, RegistryClient registry) {
    LazyMetrics metrics = new LazyMetrics(listeners, registry);
    AdminHandler.Shared shared = new AdminHandler.Shared(listeners, metrics, config.token(), registry);
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(transport.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(8192), new AdminHandler(shared));
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
