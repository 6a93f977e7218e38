package dev.keel.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.Version;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Netty 4.2 epoll defect {@link EpollKeepRegistered} works around, on real sockets over
 * loopback: a channel with auto-read off and half-closure allowed sees its peer's FIN, and later
 * answers with more than the socket takes at once, so the write has to wait for EPOLLOUT. Both
 * tests fail loudly on a Netty upgrade that changes what the workaround relies on: the first when
 * the workaround stops working, the second when Netty no longer has the defect.
 */
@Timeout(60)
class EpollKeepRegisteredTest {
  private static final int ANSWER = 4 * 1024 * 1024;
  private static final int SMALL_BUFFER = 16 * 1024;

  @BeforeAll
  static void requireEpoll() {
    assumeTrue(Epoll.isAvailable(), () -> "native epoll is not available here: " + Epoll.unavailabilityCause());
  }

  @Test
  void anAnswerAfterThePeersFinArrivesWholeWhenItHasToWaitForEpollout() throws Exception {
    Outcome o = finThenAnswer(EpollKeepRegistered.factory());
    assertThat(o.hadToWait).as("the answer could not leave in one write").isTrue();
    assertThat(o.writeFailure).isEmpty();
    assertThat(o.received).isEqualTo(ANSWER);
  }

  @Test
  void nettysOwnEpollHandlerStillLosesTheHalfClosedChannel() throws Exception {
    Outcome o = finThenAnswer(EpollIoHandler.newFactory());
    assertThat(o.writeFailure)
        .as("Netty %s kept the half-closed channel in epoll: the defect is fixed, so EpollKeepRegistered "
            + "and this test can go", Version.identify().get("netty-transport-classes-epoll"))
        .hasValueSatisfying(failure -> assertThat(failure)
            .hasRootCauseMessage("epoll_ctl(..) failed with error(-2): No such file or directory"));
    assertThat(o.received).isLessThan(ANSWER);
  }

  /** What the peer received, and how the answer's write went. */
  private record Outcome(long received, boolean hadToWait, Optional<Throwable> writeFailure) {}

  private static Outcome finThenAnswer(IoHandlerFactory io) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
    try {
      Answerer answerer = new Answerer();
      Channel server = new ServerBootstrap()
          .group(group)
          .channel(EpollServerSocketChannel.class)
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childOption(ChannelOption.SO_SNDBUF, SMALL_BUFFER)
          .childHandler(answerer)
          .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
      long received;
      try (Socket peer = new Socket()) {
        peer.setReceiveBufferSize(SMALL_BUFFER); // before connecting: it bounds the TCP window
        peer.setSoTimeout(10_000);
        peer.connect((InetSocketAddress) server.localAddress(), 5_000);
        peer.getOutputStream().write('?');
        peer.shutdownOutput();
        received = countUntilClosed(peer.getInputStream());
      } finally {
        server.close().sync();
      }
      Throwable failure = answerer.written.get(10, TimeUnit.SECONDS).orElse(null);
      return new Outcome(received, answerer.hadToWait, Optional.ofNullable(failure));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** Bytes read until end of stream, or until the connection is reset. */
  private static long countUntilClosed(InputStream in) {
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try {
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        n += r;
      }
    } catch (IOException reset) {
      // what the defect does to the peer: the count says how far the answer got
    }
    return n;
  }

  /**
   * Reads what the peer sends, one read at a time as the proxy's relay does, and answers after the
   * FIN, as an upstream's answer arrives: once Netty has finished with the FIN's event.
   */
  private static final class Answerer extends ChannelInboundHandlerAdapter {
    final CompletableFuture<Optional<Throwable>> written = new CompletableFuture<>();
    volatile boolean hadToWait;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.executor().execute(() -> answer(ctx));
      }
      ReferenceCountUtil.release(evt);
    }

    private void answer(ChannelHandlerContext ctx) {
      ByteBuf answer = ctx.alloc().buffer(ANSWER).writeZero(ANSWER);
      ChannelFuture f = ctx.writeAndFlush(answer);
      hadToWait = !f.isDone();
      f.addListener(done -> {
        written.complete(Optional.ofNullable(done.cause()));
        ctx.close();
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      written.complete(Optional.of(cause));
      ctx.close();
    }
  }
}
