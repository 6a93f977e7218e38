package dev.keel.proxy.support;

import dev.keel.testsupport.RestartablePort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP/2 cleartext (h2c, prior knowledge) instance on a loopback port, on Netty's own HTTP/2
 * server codec, one child channel per stream. Paths: {@code /echo} answers at once and streams the
 * request body back, ending with a trailer {@code x-echoed: <bytes>}; {@code /bytes?n=N} sends N
 * bytes as fast as the stream's window lets it; {@code /trailers} answers like a gRPC server (body,
 * then {@code grpc-status: 0}); {@code /hold} answers once {@link #releaseHeld()} is called; {@code
 * /refuse} resets the stream with REFUSED_STREAM; {@code /delay?ms=N} answers the instance's name N
 * ms after the request ended; anything else answers it at once. Records every request's HEADERS;
 * counts open connections, streams and the body bytes {@code /bytes} sent.
 */
public final class H2TestServer implements AutoCloseable {
  private static final long DRAIN_PING = 0x6b65656c;
  private final String name;
  private final int maxStreams;
  private final @Nullable SslContext tls;
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final List<Http2StreamChannel> held = new CopyOnWriteArrayList<>();
  private Channel server;
  private final int port;
  public final List<Http2Headers> requests = new CopyOnWriteArrayList<>();
  public final List<Http2Headers> trailers = new CopyOnWriteArrayList<>();
  public final AtomicInteger streams = new AtomicInteger();
  public final AtomicInteger answered = new AtomicInteger();
  public final AtomicInteger connectionsAccepted = new AtomicInteger();
  /** Body bytes {@code /bytes} streams have sent (handed to their stream's window). */
  public final AtomicLong bytesSent = new AtomicLong();

  /** @param maxStreams its SETTINGS_MAX_CONCURRENT_STREAMS; 0: unlimited */
  public H2TestServer(String name, int maxStreams) throws InterruptedException {
    this(name, maxStreams, null);
  }

  /** @param tls TLS to terminate first (h2 over TLS: its ALPN must offer h2); null: cleartext (h2c) */
  public H2TestServer(String name, int maxStreams, @Nullable SslContext tls) throws InterruptedException {
    this.name = name;
    this.maxStreams = maxStreams;
    this.tls = tls;
    // below the ephemeral range: no outgoing connection takes the port while the server is stopped
    server = bind(RestartablePort.next());
    this.port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  private Channel bind(int port) throws InterruptedException {
    return new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            connectionsAccepted.incrementAndGet();
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            }
            Http2Settings settings = Http2Settings.defaultSettings();
            if (maxStreams > 0) {
              settings.maxConcurrentStreams(maxStreams);
            }
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel s) {
                s.pipeline().addLast(new StreamHandler());
              }
            }));
            ch.pipeline().addLast(new GracefulClose());
          }
        }).bind("127.0.0.1", port).sync().channel();
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Client connections open now. */
  public int openConnections() {
    return connections.size();
  }

  /** Answers every {@code /hold} request waiting. */
  public void releaseHeld() {
    for (Http2StreamChannel s : List.copyOf(held)) {
      held.remove(s);
      s.eventLoop().execute(() -> answer(s, "held " + name));
    }
  }

  /** {@code /hold} requests waiting now. */
  public int held() {
    return held.size();
  }

  /**
   * Shuts down as a graceful server does (grpc-java's, say): stops accepting; on every connection a
   * GOAWAY with the largest stream id and a PING; once the PING's answer shows the client has seen
   * that GOAWAY (it opens no stream after it), every stream it sent is in, and the connection closes
   * once they are done. A GOAWAY with the last stream id at once would refuse the streams in flight,
   * and Netty's server codec takes a DATA frame of a stream it refused that way (sent by the client
   * before the GOAWAY reached it) as a protocol error of the whole connection, cutting the rest.
   */
  public void stop() throws InterruptedException {
    server.close().sync();
    List<Channel> open = List.copyOf(connections);
    for (Channel c : open) {
      c.eventLoop().execute(() -> {
        c.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE));
        c.writeAndFlush(new DefaultHttp2PingFrame(DRAIN_PING));
      });
    }
    for (Channel c : open) {
      c.closeFuture().await(10, TimeUnit.SECONDS);
    }
  }

  /** Listens again on the same port after {@link #stop()}. */
  public void restart() {
    server = RestartablePort.rebind(() -> bind(port));
  }

  @Override
  public void close() {
    try {
      server.close().sync();
      connections.close().await(5, TimeUnit.SECONDS);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void answer(Http2StreamChannel s, String text) {
    answered.incrementAndGet();
    s.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    s.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), true));
  }

  /** The second half of {@link #stop()}: the answer to its PING closes the connection, gracefully. */
  private static final class GracefulClose extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2PingFrame p && p.ack() && p.content() == DRAIN_PING) {
        ctx.channel().close(); // Netty's codec: once the streams it took are done
      }
      ReferenceCountUtil.release(msg);
    }
  }

  private final class StreamHandler extends ChannelInboundHandlerAdapter {
    private String path = "";
    private long echoed;
    private long toSend;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      streams.incrementAndGet();
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      streams.decrementAndGet();
      held.remove((Http2StreamChannel) ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Http2StreamChannel s = (Http2StreamChannel) ctx.channel();
      try {
        if (msg instanceof Http2HeadersFrame h && !path.isEmpty()) {
          trailers.add(h.headers()); // the request's trailers end it
          ended(s);
        } else if (msg instanceof Http2HeadersFrame h) {
          path = String.valueOf(h.headers().path());
          requests.add(h.headers());
          if (path.startsWith("/echo")) {
            s.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
          } else if (path.startsWith("/refuse")) {
            s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            return;
          } else if (path.startsWith("/bytes")) {
            toSend = Long.parseLong(path.substring(path.indexOf("n=") + 2));
            s.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .set("content-length", Long.toString(toSend))));
            sendMore(s);
          }
          if (h.isEndStream()) {
            ended(s);
          }
        } else if (msg instanceof Http2DataFrame d) {
          if (path.startsWith("/echo") && d.content().isReadable()) {
            echoed += d.content().readableBytes();
            s.writeAndFlush(new DefaultHttp2DataFrame(d.content().retain(), false));
          }
          if (d.isEndStream()) {
            ended(s);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void ended(Http2StreamChannel s) {
      if (path.startsWith("/echo")) {
        s.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("x-echoed", Long.toString(echoed)), true));
      } else if (path.startsWith("/trailers")) {
        s.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")));
        s.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("payload", StandardCharsets.UTF_8), false));
        s.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0")
            .set("grpc-message", "fine"), true));
      } else if (path.startsWith("/hold")) {
        held.add(s);
      } else if (path.startsWith("/delay")) {
        // answers after the delay asked for (in ms), as a busy instance would: streams overlap
        long ms = Long.parseLong(path.substring(path.indexOf("ms=") + 3));
        s.eventLoop().schedule(() -> answer(s, name), ms, TimeUnit.MILLISECONDS);
      } else if (!path.startsWith("/bytes")) {
        answer(s, name);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        sendMore((Http2StreamChannel) ctx.channel());
      }
    }

    /** Sends as much of the body as the stream's window takes now; the rest when it opens again. */
    private void sendMore(Http2StreamChannel s) {
      while (toSend > 0 && s.isWritable()) {
        int n = (int) Math.min(16 * 1024, toSend);
        toSend -= n;
        bytesSent.addAndGet(n);
        ByteBuf chunk = s.alloc().buffer(n).writeZero(n);
        s.write(new DefaultHttp2DataFrame(chunk, toSend == 0));
      }
      s.flush();
    }
  }
}
