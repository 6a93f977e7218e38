package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.PickArgs;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamConnection;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of an HTTP listener: checks each request, picks a backend, streams the
 * request and the response through a pooled upstream connection on the same event loop, retries
 * where that is safe, and answers 4xx/5xx itself when it must.
 *
 * <p>Backpressure: the client channel and the upstream channel both run with AUTO_READ off; a side
 * is read only while the other is writable. Pipelined requests wait until the current response
 * has been sent. Everything runs on the client channel's event loop; no locks.
 */
public final class HttpProxyHandler extends UpstreamSide implements ChannelFutureListener {
  private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

  /** @param deadlines the connection's read deadlines, shared with its request decoder */
  public HttpProxyHandler(HttpRoute route, ReadDeadlines deadlines) {
    super(route, deadlines);
  }

  @Override
  void replay(Object msg) {
    channelRead(ctx, msg);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.pool = route.pool(ctx.channel().eventLoop());
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    if (remote != null) {
      peer = remote.getAddress().getHostAddress();
      trustedPeer = route.config().trusts(remote.getAddress());
    }
    route.stats().connections.incrementAndGet();
    deadlines.start(ctx.executor(), this::readDeadlinePassed);
    startIdleTicker();
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    clientQuietTicks = 0;
    if (closing) {
      ReferenceCountUtil.release(msg);
    } else if (tunnel) {
      UpstreamConnection u = up;
      WebSocketTunnel w = ws;
      if (w != null && msg instanceof ByteBuf) {
        w.fromClient((ByteBuf) msg);
      } else if (u == null) {
        ReferenceCountUtil.release(msg);
      } else {
        u.channel().write(msg, u.channel().voidPromise());
        needUpstreamFlush = true;
      }
    } else if (msg instanceof HttpRequest) {
      deadlines.onMessage(msg);
      if (active) {
        queuePipelined(msg);
      } else {
        startRequest((HttpRequest) msg);
        if (msg instanceof HttpContent) {
          if (closing) {
            ReferenceCountUtil.release(msg);
          } else {
            requestContent((HttpContent) msg);
          }
        }
      }
    } else if (msg instanceof HttpContent) {
      deadlines.onMessage(msg);
      if (active && !requestDone) {
        requestContent((HttpContent) msg);
      } else if (active) {
        queuePipelined(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  void startRequest(HttpRequest req) {
    route.stats().requests.increment();
    HttpResponseStatus refused = head.check(req, route.config().limits().maxUriLength());
    if (refused != null) {
      log.debug("refused {} from {}: {}", refused.code(), peer, head.problem);
      route.stats().rejected.increment();
      fail(refused);
      return;
    }
    active = true;
    request = req;
    keepAlive = head.keepAlive(req.protocolVersion().minorVersion() == 1);
    http10 = req.protocolVersion().minorVersion() == 0;
    HttpMethod m = req.method();
    isHead = HttpMethod.HEAD.equals(m);
    upstreamChunked = head.chunked();
    long length = upstreamChunked ? -1 : Math.max(head.contentLength(), 0);
    boolean hasBody = head.chunked() || length > 0;
    retryable = !hasBody && (HttpMethod.GET.equals(m) || isHead || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.PUT.equals(m) || HttpMethod.DELETE.equals(m) || HttpMethod.TRACE.equals(m));
    websocket = head.websocketUpgrade(req);
    expectContinue = hasBody && head.expect != null && !http10;
    if (route.maxBody > 0 && length > route.maxBody) {
      route.stats().rejected.increment();
      fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
      return;
    }
    StickySessions sticky = route.sticky;
    if (sticky.cookieBased()) {
      requestToken = sticky.tokenFrom(req.headers());
    } else if (sticky.clientIp()) {
      affinityKey = sticky.clientIp(peer, trustedPeer, req.headers());
    }
    HeaderRewriter.request(req, head, websocket, peer, trustedPeer, route.proto());
    startNanos = System.nanoTime();
    armTimer(startNanos);
    dispatch();
  }

  @Override
  void dispatch() {
    UpstreamPicker picker = route.picker();
    ArrayList<Endpoint> t = tried;
    String token = requestToken;
    Backend b;
    if (t != null && !t.isEmpty()) {
      // A retry: never a backend already tried while another is available; the key stays, so
      // ring-hash walks on to the next distinct backend. When every one was tried, the policy
      // picks again (a fresh connection may succeed where a stale pooled one was reset).
      b = placeTunnel(t);
      if (b == null) {
        b = picker.pick(PickArgs.builder().key(affinityKey).exclude(t).build());
      }
      if (b == null) {
        b = picker.pick(affinityKey);
      }
    } else {
      // The persisted backend, counted and reported like a pick. When it is down or gone, the
      // policy picks, after a WebSocket upgrade's tunnel placement (hence strict for those).
      String pinned = token == null ? null : Backend.instanceId(token);
      boolean tunnel = placesTunnels();
      b = pinned == null ? null
          : picker.pick(PickArgs.builder().pinned(pinned).key(affinityKey).strict(tunnel).build());
      if (b == null && tunnel) {
        b = placeTunnel(List.of());
      }
      if (b == null) {
        b = picker.pick(affinityKey);
      }
    }
    if (b == null) {
      route.stats().upstreamErrors.increment();
      fail(HttpResponseStatus.SERVICE_UNAVAILABLE);
      return;
    }
    backend = b;
    counted = true;
    UpstreamPool p = pool;
    UpstreamConnection c = p.pollIdle(b, this);
    if (c != null) {
      attach(c);
      return;
    }
    connectPending = true;
    ChannelFuture f = p.connect(b, this, connecting);
    up = connecting[0];
    connecting[0] = null;
    if (f.isDone()) {
      operationComplete(f);
    } else {
      f.addListener(this);
    }
  }

  /** True for a WebSocket upgrade that the listener places as a counted tunnel (see {@link #placeTunnel}). */
  private boolean placesTunnels() {
    return websocket && route.tunnels != null && !route.sticky.clientIp();
  }

  /**
   * A WebSocket upgrade that persistence does not bind (no pinned cookie, no client-ip hashing) is
   * placed like the long-lived connection it becomes: by the connection balancer, off the endpoints
   * already tried (on any when all were), and its lease counts the tunnel. Null: not such an
   * upgrade, or nothing available; the policy picks then.
   */
  private @Nullable Backend placeTunnel(List<Endpoint> tried) {
    TunnelBalancing tb = route.tunnels;
    if (tb == null || !placesTunnels()) {
      return null;
    }
    ConnectionLease l = tb.open(tried, tried.isEmpty());
    if (l == null && !tried.isEmpty()) {
      l = tb.open(List.of(), false);
    }
    if (l == null) {
      return null;
    }
    Backend b = route.picker().pick(PickArgs.builder().pinned(l.endpoint().id()).strict(true).build());
    if (b == null) {
      l.close(); // became unavailable in between
      return null;
    }
    tunnelLease = l;
    return b;
  }

  /** The upstream connect finished (on this loop). */
  @Override
  public void operationComplete(ChannelFuture f) {
    if (!connectPending || up == null || f.channel() != up.channel()) {
      if (!f.isSuccess() || closing) {
        f.channel().close();
      }
      return;
    }
    connectPending = false;
    if (closing) {
      release(false);
      return;
    }
    if (!f.isSuccess()) {
      up = null;
      log.debug("connect to {} failed: {}", backend, f.cause().toString());
      upstreamFailed(FailureKind.CONNECT);
      return;
    }
    attach(up);
  }

  void attach(UpstreamConnection c) {
    up = c;
    Channel ch = c.channel();
    HttpRequest req = request;
    UpstreamResponseDecoder responses = c.codec(UpstreamResponseDecoder.class);
    if (responses != null) {
      responses.expectResponseTo(isHead);
    }
    ch.write(RequestWriter.head(ch.alloc(), req), ch.voidPromise());
    wroteUpstream = true;
    boolean lastWritten = false;
    ArrayDeque<Object> q = pendingUp;
    if (q != null) {
      Object m;
      while ((m = q.poll()) != null) {
        lastWritten |= m instanceof LastHttpContent;
        RequestWriter.content(ch, (HttpContent) m, upstreamChunked);
      }
    }
    if (requestDone && !lastWritten && upstreamChunked) {
      // a retried chunked request whose end went to the first attempt
      RequestWriter.content(ch, LastHttpContent.EMPTY_LAST_CONTENT, true);
    }
    ch.flush();
    ch.read();
    if (expectContinue && !requestDone) {
      expectContinue = false;
      ctx.writeAndFlush(ResponseWriter.continue100(), ctx.voidPromise());
    }
    readClientIfReady();
  }

  void requestContent(HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    if (c.decoderResult().isFailure()) {
      c.release();
      route.stats().rejected.increment();
      fail(HttpResponseStatus.BAD_REQUEST);
      return;
    }
    bodyBytes += c.content().readableBytes();
    if (route.maxBody > 0 && bodyBytes > route.maxBody) {
      c.release();
      route.stats().rejected.increment();
      fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
      return;
    }
    if (last) {
      requestDone = true;
      if (bodyBytes > 0) {
        armTimer(System.nanoTime()); // the response is timed from the end of the body (the start, without one)
      }
    }
    UpstreamConnection u = up;
    if (u != null && !connectPending) {
      RequestWriter.content(u.channel(), c, upstreamChunked);
      needUpstreamFlush = true;
    } else {
      if (pendingUp == null) {
        pendingUp = new ArrayDeque<>(4);
      }
      pendingUp.add(c);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (needUpstreamFlush) {
      needUpstreamFlush = false;
      UpstreamConnection u = up;
      if (u != null) {
        u.channel().flush();
      }
    }
    readClientIfReady();
  }

  void readClientIfReady() {
    if (closing) {
      return;
    }
    UpstreamConnection u = up;
    if (tunnel) {
      WebSocketTunnel w = ws;
      if (u != null && u.channel().isWritable() || w != null && w.closing()) {
        ctx.read(); // a closing tunnel relays nothing more: it reads only to see the Close answer
      }
    } else if (!active) {
      ctx.read();
    } else if (!requestDone && u != null && !connectPending && u.channel().isWritable()) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamConnection u = up;
    if (ctx.channel().isWritable() && u != null && !connectPending) {
      u.channel().read();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Answers {@code status} and closes, unless a response is already under way (then just closes). */
  void fail(HttpResponseStatus status) {
    if (closing) {
      return;
    }
    report(false);
    release(false);
    boolean started = responseStarted;
    resetExchange();
    closing = true;
    releasePending();
    if (started) {
      ctx.close();
    } else {
      Errors.sendAndClose(ctx, status);
    }
  }

  @Override
  void onIdle() {
    // Closes between exchanges, and in a tunnel when the other side was silent as long (reads
    // pause during an exchange, so that is not idleness); cuts a response whose upstream went quiet.
    if (closing) {
      return;
    }
    boolean upstreamQuiet = upstreamQuietTicks >= IDLE_TICKS;
    if (!active || (tunnel && upstreamQuiet)) {
      closing = true;
      ctx.close();
    } else if (upstreamQuiet && responseStarted && pendingHead == null && !switching) {
      // A response body stalled for the idle timeout: cut it (the client sees a short message).
      log.debug("response from {} stalled for {}", backend, route.config().timeouts().idle());
      upstreamFailed(FailureKind.TIMEOUT);
    }
  }

  private void readDeadlinePassed() {
    if (closing) {
      return;
    }
    log.debug("request from {} not read within its header-read/body-read timeout", peer);
    route.stats().rejected.increment();
    fail(HttpResponseStatus.REQUEST_TIMEOUT);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == GracefulClose.INSTANCE) {
      WebSocketTunnel w = ws;
      if (tunnel && w != null) {
        w.requestClose(false, 0); // 1012 at the next moment both directions are between messages
      } else if (!active) {
        closing = true;
        ctx.close();
      } else {
        keepAlive = false;
      }
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    route.stats().connections.decrementAndGet();
    closing = true;
    dropPendingHead();
    deadlines.stop();
    stopIdleTicker();
    closeTunnelLease();
    WebSocketTunnel w = ws;
    if (w != null) {
      ws = null;
      w.end();
      route.stats().tunnels.decrementAndGet();
    }
    report(false);
    release(false);
    releasePending();
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("client connection from {}: {}", peer, cause.toString());
    if (!closing && active && !responseStarted) {
      fail(HttpResponseStatus.BAD_REQUEST);
    } else {
      closing = true;
      ctx.close();
    }
  }

  /** A user event asking the connection to close once its current exchange is done (shutdown). */
  public enum GracefulClose { INSTANCE }
}
