package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.unix.UnixChannelOption;
import java.net.InetSocketAddress;

/**
 * A listener's listening socket: bound beside the one of the listener it replaces on a reload
 * (SO_REUSEPORT on epoll and io_uring, so no connect is refused meanwhile), closed to stop accepting, and bound
 * again on the same address when a reload that had handed its port to a new listener is rolled
 * back. Thread-safe for one owner; not for concurrent stop/resume.
 */
public final class ServerBinding {
  private final ServerBootstrap bootstrap;
  private final String name;
  private final InetSocketAddress local;
  private volatile Channel channel;

  private ServerBinding(ServerBootstrap bootstrap, String name, Channel channel) {
    this.bootstrap = bootstrap;
    this.name = name;
    this.channel = channel;
    this.local = (InetSocketAddress) channel.localAddress();
  }

  /**
   * Binds {@code bootstrap} to {@code config.listen()}; blocks until bound.
   *
   * @throws IllegalStateException naming the listener and the address when it cannot bind
   */
  public static ServerBinding bind(ServerBootstrap bootstrap, ListenerConfig config, Transport transport) {
    if (transport != Transport.NIO) {
      bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
    }
    return new ServerBinding(bootstrap, config.name(), bind(bootstrap, config.name(), config.listen().toSocketAddress()));
  }

  private static Channel bind(ServerBootstrap bootstrap, String name, InetSocketAddress at) {
    ChannelFuture f = bootstrap.bind(at).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("listener '" + name + "': cannot listen on " + at.getHostString() + ":" + at.getPort()
          + ": " + f.cause().getMessage(), f.cause());
    }
    return f.channel();
  }

  /** The address actually bound (the real port when 0 was configured). */
  public InetSocketAddress localAddress() {
    return local;
  }

  /** Closes the listening socket; open connections stay. */
  public void stopAccepting() {
    channel.close().syncUninterruptibly();
  }

  /**
   * Listens again on the very address it had (after {@link #stopAccepting}); nothing when it still listens.
   *
   * @throws IllegalStateException when the address cannot be bound again
   */
  public void resumeAccepting() {
    if (!channel.isOpen()) {
      channel = bind(bootstrap, name, local);
    }
  }
}
