package dev.keel.proxy.tcp;

import dev.keel.registry.Registration;
import dev.keel.registry.Registry;
import dev.keel.registry.ServiceInstance;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A loopback echo server that can register itself, go down (deregister, close its sockets) and come
 * back on the same port. Optionally parses a PROXY protocol header first and records it. On a FIN
 * from its peer it answers what it has and then sends its own FIN (half-close aware).
 */
final class EchoBackend implements AutoCloseable {
  final String id;
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger accepted = new AtomicInteger();
  final List<String> proxyHeaders = new CopyOnWriteArrayList<>();
  /** Ids of the 32-byte requests received (their first 8 bytes), shared by every backend of a test. */
  private final java.util.Set<Long> received;
  private final EventLoopGroup group;
  private final boolean parseProxyProtocol;
  private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private int port;
  private @Nullable Channel server;
  private @Nullable Registration registration;

  EchoBackend(String id, EventLoopGroup group, boolean parseProxyProtocol) {
    this(id, group, parseProxyProtocol, java.util.concurrent.ConcurrentHashMap.newKeySet());
  }

  EchoBackend(String id, EventLoopGroup group, boolean parseProxyProtocol, java.util.Set<Long> received) {
    this.received = received;
    this.id = id;
    this.group = group;
    this.parseProxyProtocol = parseProxyProtocol;
    bind();
  }

  int port() {
    return port;
  }

  private void bind() {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            children.add(ch);
            open.incrementAndGet();
            accepted.incrementAndGet();
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            if (parseProxyProtocol) {
              ch.pipeline().addLast(new HAProxyMessageDecoder());
            }
            ch.pipeline().addLast(new Echo());
          }
        })
        .bind("127.0.0.1", port).syncUninterruptibly().channel();
    port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  synchronized void register(Registry registry, String service) {
    registration = registry.register(ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(port).build());
  }

  synchronized void deregister() {
    if (registration != null) {
      registration.close();
      registration = null;
    }
  }

  /** Stops listening and closes every connection (as a stopped process would). */
  void down() {
    if (server != null) {
      server.close().syncUninterruptibly();
      server = null;
    }
    children.close().syncUninterruptibly();
  }

  /** Listens again on the same port. */
  void up() {
    bind();
  }

  /** Writes {@code text} on {@code s} and reads as many bytes back (an echo through the proxy), or fewer at EOF. */
  static String roundTrip(java.net.Socket s, String text) throws java.io.IOException {
    s.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] buf = new byte[text.length()];
    int n = 0;
    while (n < buf.length) {
      int r = s.getInputStream().read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    deregister();
    down();
  }

  private final class Echo extends ChannelInboundHandlerAdapter {
    private int offset;
    private long requestId;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage h) {
        proxyHeaders.add(h.protocolVersion() + " " + h.proxiedProtocol() + " " + h.sourceAddress() + ":" + h.sourcePort()
            + " -> " + h.destinationAddress() + ":" + h.destinationPort());
        h.release();
        return;
      }
      if (msg instanceof ByteBuf b) {
        for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
          if (offset < 8) {
            requestId = requestId << 8 | (b.getByte(i) & 0xff);
          }
          if (++offset == ReconnectingClients.REQUEST_BYTES) {
            received.add(requestId);
            offset = 0;
            requestId = 0;
          }
        }
        ctx.writeAndFlush(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        // Answer what came before the FIN, then FIN back and let go of the socket.
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
            .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput().addListener(g -> ctx.close()));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
