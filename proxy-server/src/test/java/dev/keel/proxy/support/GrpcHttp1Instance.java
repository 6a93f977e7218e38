package dev.keel.proxy.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC service spoken over HTTP/1.1 with chunked bodies and trailers (what a gRPC instance behind
 * an HTTP/1.1 upstream looks like to the proxy), on loopback. Methods of {@code test.Echo}:
 * {@code Unary} echoes its request messages; {@code Count} answers n messages for a request "n";
 * {@code Chat} answers each piece of its request as it comes, before the request ends (bidirectional
 * streaming); {@code Fail} ends with {@code grpc-status: 5} and a message; {@code Die} sends 3 messages and
 * closes its connection (an instance killed mid-stream); {@code Hang} never answers and
 * counts down {@link #hung} when its request arrived and {@link #hungClosed} when the proxy closes
 * its connection.
 */
public final class GrpcHttp1Instance implements AutoCloseable {
  public final CountDownLatch hung = new CountDownLatch(1);
  public final CountDownLatch hungClosed = new CountDownLatch(1);
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  public GrpcHttp1Instance() throws InterruptedException {
    server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new Chat(), new HttpObjectAggregator(16 * 1024 * 1024), new Service());
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  public String address() {
    return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** A gRPC length-prefixed message (uncompressed). */
  public static byte[] frame(byte[] message) {
    byte[] f = new byte[5 + message.length];
    f[1] = (byte) (message.length >>> 24);
    f[2] = (byte) (message.length >>> 16);
    f[3] = (byte) (message.length >>> 8);
    f[4] = (byte) message.length;
    System.arraycopy(message, 0, f, 5, message.length);
    return f;
  }

  /** {@code Chat}, not aggregated: the response head at once, each request piece echoed as it comes. */
  private static final class Chat extends ChannelInboundHandlerAdapter {
    private boolean chatting;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        chatting = r.uri().equals("/test.Echo/Chat");
        if (chatting) {
          HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
              .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
          ctx.writeAndFlush(head);
        }
      }
      if (!chatting) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (msg instanceof HttpContent c) {
        if (c.content().isReadable()) {
          ctx.writeAndFlush(new DefaultHttpContent(c.content().retain()));
        }
        if (c instanceof LastHttpContent) {
          LastHttpContent last = new DefaultLastHttpContent();
          last.trailingHeaders().set("grpc-status", "0");
          ctx.writeAndFlush(last);
          chatting = false;
        }
      }
      ReferenceCountUtil.release(msg);
    }
  }

  private final class Service extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = req.uri();
      if (path.equals("/test.Echo/Hang")) {
        ctx.channel().closeFuture().addListener(f -> hungClosed.countDown());
        hung.countDown();
        return;
      }
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
          .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      ctx.write(head);
      LastHttpContent last = new DefaultLastHttpContent();
      switch (path) {
        case "/test.Echo/Unary" -> {
          ctx.write(new DefaultHttpContent(req.content().retain()));
          last.trailingHeaders().set("grpc-status", "0");
        }
        case "/test.Echo/Count" -> {
          ByteBuf body = req.content();
          int n = Integer.parseInt(body.toString(5, body.readableBytes() - 5, StandardCharsets.UTF_8));
          for (int i = 0; i < n; i++) {
            ctx.write(new DefaultHttpContent(ctx.alloc().buffer().writeBytes(frame(Integer.toString(i).getBytes(StandardCharsets.UTF_8)))));
          }
          last.trailingHeaders().set("grpc-status", "0");
        }
        case "/test.Echo/Die" -> {
          // three messages, then the instance is gone: the connection closes mid-response
          for (int i = 0; i < 3; i++) {
            ctx.write(new DefaultHttpContent(ctx.alloc().buffer().writeBytes(frame(Integer.toString(i).getBytes(StandardCharsets.UTF_8)))));
          }
          ctx.flush();
          ctx.close();
          return;
        }
        case "/test.Echo/Fail" -> last.trailingHeaders().set("grpc-status", "5").set("grpc-message", "no such thing");
        default -> last.trailingHeaders().set("grpc-status", "12").set("grpc-message", "unknown method " + path);
      }
      ctx.writeAndFlush(last);
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
