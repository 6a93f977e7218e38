package dev.keel.proxy.http;

import dev.keel.registry.internal.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 client connection of an HTTP listener. It frames bytes and owns the sequence of
 * exchanges: checks each decoded request head, starts one {@link Exchange} per request (the
 * exchange does the proxying), queues pipelined requests until the response before them is out
 * ({@link PipelinedRequests}), keeps the connection alive between exchanges or closes it, and keeps
 * the connection's clocks: the idle timeout, the read deadlines ({@link ReadDeadlines}) and one
 * lazily re-armed timer for the exchanges' request timeouts. The responses are framed by its
 * {@link Http1Response}.
 *
 * <p>Backpressure: AUTO_READ is off; the client is read when the exchange takes more of the request,
 * between exchanges, and ahead once a keep-alive request is in ({@link Http1Response#readsAhead}).
 * Everything runs on the connection's event loop, which its upstream connections share; no locks.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

  private final HttpRoute route;
  private final ReadDeadlines deadlines;
  private final RequestHead head = new RequestHead();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable ExchangeContext context;
  private @Nullable RoutedRequest routing;
  private @Nullable Http1Response response;
  private String peer = "";
  private boolean trustedPeer;
  private @Nullable Exchange exchange;
  // the last exchange, done: the next request reuses it (begin sets every field anew)
  private @Nullable Exchange spare;
  private boolean closing;
  private boolean draining;
  private final PipelinedRequests pipelined = new PipelinedRequests(this);
  private @Nullable ConnectionClocks clocks;
  private @Nullable ExchangeLog accessLog;

  /** @param deadlines the connection's read deadlines, shared with its request decoder */
  public HttpProxyHandler(HttpRoute route, ReadDeadlines deadlines) {
    this.route = route;
    this.deadlines = deadlines;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      open(ctx); // added once the protocol was known (ALPN, or the first bytes): the channel is active already
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (this.ctx == null) {
      open(ctx);
    }
  }

  private void open(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ConnectionClocks c = new ConnectionClocks(this, ctx, route.idleNanos);
    clocks = c;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
      peer = remote.getAddress().getHostAddress();
      trustedPeer = route.config().trusts(remote.getAddress());
    }
    UpstreamConnector upstreams = Http1Upstream.connector(route.pool(ctx.channel().eventLoop()));
    context = new ExchangeContext(route, upstreams, c.ticker(), peer, ctx.channel());
    routing = new RoutedRequest(route, peer, trustedPeer, route.http2Upstream());
    response = new Http1Response(this, ctx);
    accessLog = ctx.pipeline().get(ExchangeLog.class); // null: the listener has no access log
    route.stats().connections.incrementAndGet();
    deadlines.start(ctx.executor(), this::readDeadlinePassed);
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    clocks().clientActive();
    Exchange e = exchange;
    WebSocketTunnel t = e == null ? null : e.tunnel();
    if (closing) {
      ReferenceCountUtil.release(msg);
    } else if (t != null) {
      if (msg instanceof ByteBuf b) {
        t.fromClient(b);
      } else {
        ReferenceCountUtil.release(msg);
      }
    } else if (msg instanceof HttpRequest req) {
      deadlines.onMessage(msg);
      if (e != null) {
        pipelined.add(msg); // pipelined: waits until the response before it is out
        return;
      }
      start(req);
      if (msg instanceof HttpContent c) {
        content(c); // an invalid message is a full one: already refused, released here
      }
    } else if (msg instanceof HttpContent c) {
      deadlines.onMessage(msg);
      content(c);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void content(HttpContent c) {
    Exchange e = exchange;
    if (closing || e == null) {
      c.release();
    } else if (!e.requestDone()) {
      if (c instanceof LastHttpContent last) {
        TrailerFilter.apply(last.trailingHeaders(), head.connection); // the head's check is still this request's
      }
      e.requestBody(c);
    } else {
      pipelined.add(c); // the body of a pipelined request
    }
  }

  private void start(HttpRequest req) {
    route.stats().requests.increment();
    if (accessLog != null) {
      accessLog.begin(req, peer);
    }
    HttpResponseStatus refused = head.check(req, route.config().limits().maxUriLength());
    if (refused != null) {
      log.debug("refused {} from {}: {}", refused.code(), peer, LogSafe.lazy(head.problem)); // quotes request bytes
      route.stats().rejected.increment();
      failed(refused);
      return;
    }
    if (head.declaresMoreThan(route.maxBody)) {
      route.stats().rejected.increment();
      failed(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
      return;
    }
    RoutedRequest routed = active(routing);
    if (!routed.route(req, head, 0, accessLog)) {
      failed(routed.refused(), routed.detail());
      return;
    }
    boolean http10 = req.protocolVersion().minorVersion() == 0;
    // an HTTP/2 instance cannot take an HTTP/1.1 upgrade: the request goes as a plain one
    boolean websocket = !route.http2Upstream() && head.websocketUpgrade(req);
    Http1Response r = response();
    r.begin(http10, HttpMethod.HEAD.equals(req.method()), head.keepAlive(!http10), websocket);
    Exchange e = spare != null ? spare : new Exchange(context(), r);
    spare = null;
    exchange = routed.begin(e, req, head, websocket);
    // dispatched at the end of this read (channelReadComplete), once the bytes that came with the head are decoded
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    if (e != null && !closing) {
      e.clientReadComplete();
    }
    readIfReady();
  }

  /** Reads the client when the exchange takes more of its request, between exchanges, or ahead. */
  void readIfReady() {
    if (closing) {
      return;
    }
    Exchange e = exchange;
    if (e == null || (e.requestDone() && response().readsAhead() && pipelined.isEmpty())) {
      ctx().read();
    } else if (e.wantsClientBytes()) {
      deadlines.resume();
      ctx().read();
    } else if (!e.requestDone() || !pipelined.isEmpty()) {
      deadlines.pause(); // held back by the upstream, or queued behind this exchange: not the client's time
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    Attempt a = e == null ? null : e.attempt();
    if (ctx.channel().isWritable() && a != null) {
      a.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The response of the exchange is out: the next (pipelined) exchange starts, or the connection closes. */
  void responseDone(boolean close) {
    Exchange e = exchange;
    if (accessLog != null) {
      accessLog.done(e);
    }
    boolean reusable = !close && !closing && !draining && e != null && e.requestDone();
    exchange = null;
    if (e != null) {
      e.forget();
    }
    spare = e;
    clocks().clientActive(); // keep-alive idleness counts from the end of the response
    if (!reusable) {
      closing = true;
      pipelined.release();
      ctx().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx().flush();
    if (pipelined.replay(ctx())) {
      Exchange next = exchange;
      if (next != null && !closing) {
        next.clientReadComplete();
      }
    }
    readIfReady();
  }

  /** After a 101: the client's bytes go to the tunnel as they are; the request decoder and its deadlines go. */
  void becomeTunnel() {
    deadlines.stop();
    clocks().clientActive();
    ctx().flush();
    // what the decoder still holds comes out as a ByteBuf, to the tunnel
    ctx().pipeline().remove(RequestDecoder.class);
  }

  /** Answers {@code status} (the proxy's own response) and closes. */
  void failed(HttpResponseStatus status) {
    failed(status, "");
  }

  /** Answers {@code status} with {@code detail} as the body's second line (empty: none) and closes. */
  void failed(HttpResponseStatus status, String detail) {
    if (!closing) {
      closing = true;
      pipelined.release();
      Errors.sendAndClose(ctx(), status, detail);
      if (accessLog != null) {
        accessLog.failed(status, exchange, peer); // after the answer is written: its bytes count
      }
    }
  }

  /** Closes after what was written (a truncated response, an ended tunnel): never a made-up end. */
  void abort() {
    if (!closing) {
      if (accessLog != null) {
        accessLog.cut(exchange);
      }
      closing = true;
      pipelined.release();
      ctx().flush();
      ctx().close();
    }
  }

  boolean draining() {
    return draining;
  }

  /** True once the last byte of the current request came from the client (or when there is none). */
  boolean requestDone() {
    Exchange e = exchange;
    return e == null || e.requestDone();
  }

  /** The exchange in progress, or null between exchanges (for tests and diagnostics). */
  @Nullable Exchange current() {
    return exchange;
  }

  /** Has the exchange's {@link Exchange#timeUp} called at or after {@code deadlineNanos}. */
  void wakeAt(long deadlineNanos) {
    if (!closing) {
      clocks().wakeAt(deadlineNanos);
    }
  }

  boolean closing() {
    return closing;
  }

  private void readDeadlinePassed() {
    Exchange e = exchange;
    if (closing) {
      return;
    }
    if (e != null && !e.requestDone()) {
      e.clientTooSlow();
    } else if (e != null) {
      draining = true; // the head of a pipelined request is what is slow: close after the response
    } else {
      log.debug("request head from {} not read within timeouts.header-read", peer);
      route.stats().rejected.increment();
      failed(HttpResponseStatus.REQUEST_TIMEOUT);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt != GracefulClose.INSTANCE) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    Exchange e = exchange;
    WebSocketTunnel t = e == null ? null : e.tunnel();
    if (t != null) {
      t.requestClose(false, 0); // 1012 at the next moment both directions are between messages
    } else if (e == null) {
      closing = true;
      ctx.close();
    } else {
      draining = true; // Connection: close on the response if its head is not out yet, and close after it
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    route.stats().connections.decrementAndGet();
    closing = true;
    deadlines.stop();
    ConnectionClocks c = clocks;
    if (c != null) {
      c.stop();
    }
    Exchange e = exchange;
    if (accessLog != null) {
      accessLog.gone(e);
    }
    exchange = null;
    if (e != null) {
      e.clientGone();
    }
    Http1Response r = response;
    if (r != null) {
      r.discardHeld();
    }
    pipelined.release();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("client connection from {}: {}", peer, LogSafe.lazy(cause));
    } else {
      log.warn("client connection from {} closed on an unexpected error", peer, cause);
    }
    if (!closing) {
      closing = true;
      ctx.close();
    }
  }

  private ChannelHandlerContext ctx() {
    return active(ctx);
  }

  private ExchangeContext context() {
    return active(context);
  }

  private Http1Response response() {
    return active(response);
  }

  private ConnectionClocks clocks() {
    return active(clocks);
  }

  /** What channelActive set: there before any other event. */
  private static <T> T active(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException("not active");
    }
    return value;
  }

  /** A user event asking the connection to close once its current exchange is done (shutdown). */
  public enum GracefulClose { INSTANCE }
}
