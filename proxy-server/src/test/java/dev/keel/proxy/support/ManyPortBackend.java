package dev.keel.proxy.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP/1.1 backend listening on many loopback ports at once (one event loop for all), so a test
 * can give each of many services an instance of its own without a server each. Every request is
 * answered {@code port=P path=TARGET host=HOST prefix=X-FORWARDED-PREFIX}; {@code /hold} answers
 * only once {@link #release} is counted down (a request in flight for as long as a test needs).
 */
public final class ManyPortBackend implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final List<Channel> bound = new ArrayList<>();
  private final Map<Integer, AtomicInteger> requests = new ConcurrentHashMap<>();
  /** Lets {@code /hold} requests answer. */
  public final CountDownLatch release = new CountDownLatch(1);
  /** {@code /hold} requests received so far. */
  public final AtomicInteger held = new AtomicInteger();

  public ManyPortBackend(int ports) {
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Answer());
          }
        });
    for (int i = 0; i < ports; i++) {
      bound.add(b.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel());
    }
  }

  /** The port of instance {@code i}. */
  public int port(int i) {
    return ((InetSocketAddress) bound.get(i).localAddress()).getPort();
  }

  /** Requests instance {@code i} received. */
  public int requests(int i) {
    AtomicInteger n = requests.get(port(i));
    return n == null ? 0 : n.get();
  }

  private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      int port = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
      requests.computeIfAbsent(port, p -> new AtomicInteger()).incrementAndGet();
      String prefix = req.headers().get("x-forwarded-prefix");
      String body = "port=" + port + " path=" + req.uri() + " host=" + req.headers().get(HttpHeaderNames.HOST)
          + " prefix=" + (prefix == null ? "" : prefix);
      FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      HttpUtil.setContentLength(res, res.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (req.uri().startsWith("/hold")) {
        held.incrementAndGet();
        Thread waiter = new Thread(() -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ctx.writeAndFlush(res).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        }, "hold-" + port);
        waiter.setDaemon(true);
        waiter.start();
        return;
      }
      ctx.writeAndFlush(res).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void close() {
    release.countDown();
    for (Channel c : bound) {
      c.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
