package dev.keel.proxy.http;

import dev.keel.registry.Registration;
import dev.keel.registry.Registry;
import dev.keel.registry.ServiceInstance;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A loopback WebSocket echo server on {@code /ws} that registers itself. It echoes every data frame
 * as it comes (fragmentation kept) and puts a ping between the fragments of a fragmented message.
 * It checks each whole message it receives ({@link #wellFormed}) and records, per closed
 * connection, whether it ended inside a message and which Close status it received.
 */
final class WebSocketEchoBackend implements AutoCloseable {
  final String id;
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger badMessages = new AtomicInteger();
  /** Connections that ended between the fragments of a message they were receiving. */
  final AtomicInteger cutMessages = new AtomicInteger();
  /** The Close status each closed connection received (-1: none, the TCP connection just ended). */
  final Queue<Integer> closeCodes = new ConcurrentLinkedQueue<>();
  final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
  private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Channel server;
  private @Nullable Registration registration;

  WebSocketEchoBackend(String id, EventLoopGroup group) {
    this.id = id;
    WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder().websocketPath("/ws").handleCloseFrames(false)
        .decoderConfig(WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(1 << 20).build()).build();
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            children.add(ch);
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketServerProtocolHandler(ws), new Echo());
          }
        })
        .bind("127.0.0.1", 0).syncUninterruptibly().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  void register(Registry registry, String service) {
    registration = registry.register(ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(port()).build());
  }

  /** A message is "n:" followed by exactly n characters 'x'. */
  static boolean wellFormed(String m) {
    int colon = m.indexOf(':');
    if (colon <= 0) {
      return false;
    }
    int n = Integer.parseInt(m.substring(0, colon));
    return m.length() == colon + 1 + n && m.chars().skip(colon + 1).allMatch(c -> c == 'x');
  }

  @Override
  public void close() {
    if (registration != null) {
      registration.close();
    }
    server.close().syncUninterruptibly();
    children.close().syncUninterruptibly();
  }

  private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final StringBuilder message = new StringBuilder();
    private boolean inMessage;
    private int closeCode = -1;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        open.incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> {
          open.decrementAndGet();
          closeCodes.add(closeCode);
          if (inMessage) {
            cutMessages.incrementAndGet();
          }
        });
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errors.add(cause);
      ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
        message.append(frame.content().toString(java.nio.charset.StandardCharsets.US_ASCII));
        inMessage = !frame.isFinalFragment();
        if (!frame.isFinalFragment()) {
          ctx.write(frame.retainedDuplicate());
          ctx.writeAndFlush(new PingWebSocketFrame());
        } else {
          ctx.writeAndFlush(frame.retainedDuplicate());
          if (!wellFormed(message.toString())) {
            badMessages.incrementAndGet();
          }
          message.setLength(0);
        }
      } else if (frame instanceof CloseWebSocketFrame c) {
        if (inMessage) {
          cutMessages.incrementAndGet(); // a Close between the fragments of a message
        }
        closeCode = c.statusCode();
        ctx.writeAndFlush(c.retainedDuplicate()).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
      }
    }
  }
}
