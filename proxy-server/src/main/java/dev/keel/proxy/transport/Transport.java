package dev.keel.proxy.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The I/O transport: native epoll when it loads (Linux), NIO otherwise. Set the system property
 * {@code keel.proxy.transport=nio} to force NIO. Epoll event loops run Netty's epoll handler with
 * {@link EpollKeepRegistered}'s fix for half-closed channels.
 */
public enum Transport {
  EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class),
  NIO(NioServerSocketChannel.class, NioSocketChannel.class);

  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends SocketChannel> socketChannel;

  Transport(Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
    this.serverChannel = serverChannel;
    this.socketChannel = socketChannel;
  }

  /** Epoll when available and not disabled, else NIO. */
  public static Transport best() {
    if (!"nio".equalsIgnoreCase(System.getProperty("keel.proxy.transport")) && Epoll.isAvailable()) {
      return EPOLL;
    }
    return NIO;
  }

  /** A group of {@code threads} event loops named {@code name-N}. */
  public EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory io = this == EPOLL ? EpollKeepRegistered.factory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), io);
  }

  public Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  public Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }
}
