package dev.keel.proxy.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many long-lived client connections on a few event loops (no thread per connection). Each sends a
 * request, waits for its full echo, thinks a random while, and repeats; when its connection closes
 * it reconnects after a small random delay. Counts closes that hit a request in flight, and keeps
 * those requests' ids (the first 8 bytes of each request) so a test can tell whether the request had
 * reached a backend (cut by the proxy) or not (sent after the proxy's FIN, before the client saw it).
 */
final class ReconnectingClients implements AutoCloseable {
  static final int REQUEST_BYTES = 32;

  final AtomicInteger connected = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();
  final AtomicInteger cutMidRequest = new AtomicInteger();
  final AtomicInteger responses = new AtomicInteger();
  final AtomicInteger connectFailures = new AtomicInteger();
  /** Ids of the requests that were in flight when their connection closed, in order. */
  final java.util.Queue<Long> cutIds = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(1);
  private final Bootstrap bootstrap;
  private final int thinkMinMs;
  private final int thinkMaxMs;
  private volatile boolean stopped;
  private final List<Channel> channels = new ArrayList<>();

  ReconnectingClients(EventLoopGroup group, InetSocketAddress proxy, int thinkMinMs, int thinkMaxMs) {
    this.thinkMinMs = thinkMinMs;
    this.thinkMaxMs = thinkMaxMs;
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class).remoteAddress(proxy)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new Client());
          }
        });
  }

  void start(int n) {
    for (int i = 0; i < n; i++) {
      connect();
    }
  }

  private void connect() {
    if (stopped) {
      return;
    }
    bootstrap.connect().addListener(f -> {
      if (!f.isSuccess()) {
        connectFailures.incrementAndGet();
        reconnectLater();
      }
    });
  }

  private void reconnectLater() {
    if (!stopped) {
      bootstrap.config().group().schedule(this::connect, ThreadLocalRandom.current().nextInt(10, 100), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    stopped = true;
    List<Channel> all;
    synchronized (channels) {
      all = new ArrayList<>(channels);
    }
    for (Channel c : all) {
      c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }

  private final class Client extends ChannelInboundHandlerAdapter {
    private int expecting;
    private long sentAt;
    private long inFlightId;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      synchronized (channels) {
        channels.add(ctx.channel());
      }
      connected.incrementAndGet();
      think(ctx);
    }

    private void think(ChannelHandlerContext ctx) {
      ctx.executor().schedule(() -> send(ctx), ThreadLocalRandom.current().nextInt(thinkMinMs, thinkMaxMs), TimeUnit.MILLISECONDS);
    }

    private void send(ChannelHandlerContext ctx) {
      if (stopped || !ctx.channel().isActive()) {
        return;
      }
      byte[] payload = new byte[REQUEST_BYTES];
      ThreadLocalRandom.current().nextBytes(payload);
      inFlightId = nextId.getAndIncrement();
      java.nio.ByteBuffer.wrap(payload).putLong(0, inFlightId); // the first 8 bytes: the request id
      expecting = REQUEST_BYTES;
      sentAt = System.nanoTime();
      ctx.writeAndFlush(ctx.alloc().buffer(REQUEST_BYTES).writeBytes(payload));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      expecting -= b.readableBytes();
      b.release();
      if (expecting <= 0) {
        expecting = 0;
        responses.incrementAndGet();
        think(ctx);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      synchronized (channels) {
        channels.remove(ctx.channel());
      }
      connected.decrementAndGet();
      closes.incrementAndGet();
      if (expecting > 0) {
        cutMidRequest.incrementAndGet();
        cutIds.add(inFlightId);
        org.slf4j.LoggerFactory.getLogger(ReconnectingClients.class).info("{} closed with {} bytes of a response missing, request sent {} µs ago",
            ctx.channel().localAddress(), expecting, (System.nanoTime() - sentAt) / 1000);
      }
      reconnectLater();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
