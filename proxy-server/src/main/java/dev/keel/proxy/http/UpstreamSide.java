package dev.keel.proxy.http;

import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.Outcome;
import dev.keel.proxy.upstream.UpstreamConnection;
import dev.keel.proxy.upstream.UpstreamOwner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream half of a client connection: relays the response (or, after a 101, raw bytes) to
 * the client, ends the exchange, and turns upstream failures into retries or 502/504. Runs on the
 * client connection's event loop, which is also the upstream connection's.
 */
abstract class UpstreamSide extends ExchangeState implements UpstreamOwner {
  private static final Logger log = LoggerFactory.getLogger(UpstreamSide.class);

  UpstreamSide(HttpRoute route) {
    super(route);
  }

  @Override
  public void upstreamRead(UpstreamConnection c, Object msg) {
    if (c != up || closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (tunnel) {
      lastUpstreamReadNanos = System.nanoTime();
      WebSocketTunnel w = ws;
      if (w != null && msg instanceof ByteBuf) {
        w.fromUpstream((ByteBuf) msg);
      } else {
        ctx.write(msg, ctx.voidPromise());
      }
      return;
    }
    if (msg instanceof HttpResponse) {
      HttpResponse r = (HttpResponse) msg;
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        log.debug("malformed response from {}: {}", backend, r.decoderResult().cause().toString());
        upstreamFailed(Outcome.RESET);
        return;
      }
      responseHead(r);
    }
    if (msg instanceof HttpContent) {
      responseContent((HttpContent) msg);
    }
  }

  void responseHead(HttpResponse r) {
    int code = r.status().code();
    if (code == 101) {
      if (!websocket) {
        upstreamFailed(Outcome.RESET);
        return;
      }
      switching = true;
      responseStarted = true;
      latencyNanos = System.nanoTime() - startNanos;
      HeaderRewriter.switching(r);
      ctx.write(r, ctx.voidPromise());
      return;
    }
    if (code < 200) {
      interim = true;
      if (!http10) {
        HeaderRewriter.interim(r);
        ctx.write(r, ctx.voidPromise());
      }
      return;
    }
    responseStarted = true;
    responseStatus = code;
    latencyNanos = System.nanoTime() - startNanos;
    upstreamKeepAlive = HttpUtil.isKeepAlive(r);
    if (HeaderRewriter.response(r, isHead, http10, keepAlive)) {
      closeAfterResponse = true;
    }
    if (route.sticky.cookieBased() && backend != null) {
      route.sticky.onResponse(r.headers(), backend, requestToken);
    }
    ctx.write(r, ctx.voidPromise());
  }

  void responseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (interim) {
      if (!http10) {
        ctx.write(content, ctx.voidPromise());
      } else {
        content.release();
      }
      interim = !last;
      return;
    }
    if (!responseStarted) {
      content.release();
      return;
    }
    ctx.write(content, ctx.voidPromise());
    if (last) {
      if (switching) {
        startTunnel();
      } else {
        finishExchange();
      }
    }
  }

  void startTunnel() {
    switching = false;
    tunnel = true;
    // Counted (when placed by the connection balancer) and followed frame by frame from here on,
    // including the bytes the codecs still hold, which come out when they are removed below.
    ws = new WebSocketTunnel(this, route.tunnels, tunnelLease);
    tunnelLease = null;
    route.stats().tunnels.incrementAndGet();
    report(true);
    ctx.flush();
    // Raw bytes from here on, both ways; the codecs go, their buffered bytes come out as ByteBufs.
    ctx.pipeline().remove(StrictRequestDecoder.class);
    ctx.pipeline().remove(io.netty.handler.codec.http.HttpResponseEncoder.class);
    UpstreamConnection u = up;
    if (u != null) {
      u.channel().pipeline().remove(io.netty.handler.codec.http.HttpClientCodec.class);
      u.channel().read();
    }
    ctx.read();
  }

  /** Ends a tunnel whose close handshake is over (or timed out): both connections, flushed first. */
  void closeTunnel() {
    if (closing) {
      return;
    }
    closing = true;
    release(false);
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  void finishExchange() {
    report(true);
    boolean clientReusable = keepAlive && !closeAfterResponse && requestDone;
    release(upstreamKeepAlive && requestDone);
    resetExchange();
    if (!clientReusable) {
      closing = true;
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      releasePending();
      return;
    }
    ctx.flush();
    ArrayDeque<Object> q = pipelined;
    while (q != null && !q.isEmpty() && !closing && !(active && requestDone)) {
      replay(q.poll());
    }
    readClientIfReady();
  }

  @Override
  public void upstreamReadComplete(UpstreamConnection c) {
    ctx.flush();
    if (c == up && !connectPending && ctx.channel().isWritable()) {
      c.channel().read();
    }
  }

  @Override
  public void upstreamWritabilityChanged(UpstreamConnection c) {
    if (c == up && c.channel().isWritable()) {
      readClientIfReady();
    }
  }

  @Override
  public void upstreamClosed(UpstreamConnection c, Throwable cause) {
    if (c != up) {
      return;
    }
    up = null;
    if (closing) {
      return;
    }
    if (tunnel) {
      closing = true;
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (active) {
      log.debug("upstream {} closed during an exchange: {}", backend, cause.toString());
      upstreamFailed(Outcome.RESET);
    }
  }

  /** The current attempt failed before a response was complete: retry, or answer 502/504. */
  void upstreamFailed(Outcome outcome) {
    Backend b = backend;
    if (b != null && counted) {
      counted = false;
      b.onFailure(outcome);
    }
    release(false);
    if (responseStarted) {
      // Part of a response is out: the client must see a truncated message, not a made-up one.
      closing = true;
      ctx.close();
      releasePending();
      return;
    }
    boolean safe = !wroteUpstream || (retryable && requestDone);
    if (outcome != Outcome.TIMEOUT && safe && attempts < route.maxRetries) {
      attempts++;
      route.stats().retries.increment();
      closeTunnelLease();
      wroteUpstream = false;
      if (b != null) {
        if (tried == null) {
          tried = new ArrayList<>(4);
        }
        tried.add(b.endpoint());
      }
      dispatch();
      return;
    }
    route.stats().upstreamErrors.increment();
    fail(outcome == Outcome.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY);
  }
}
