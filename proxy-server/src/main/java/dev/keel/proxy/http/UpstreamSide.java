package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamConnection;
import dev.keel.proxy.upstream.UpstreamOwner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpResponseStatus;
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
  /**
   * A response body up to this size goes out in the same buffer as its head; the head is held
   * until the body is in, so an instance that fails mid-body is retried (or answered 502/504)
   * like one that failed before answering.
   */
  private static final int SMALL_BODY = 2048;

  UpstreamSide(HttpRoute route, ReadDeadlines deadlines) {
    super(route, deadlines);
  }

  @Override
  public void upstreamRead(UpstreamConnection c, Object msg) {
    if (c != up || closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    upstreamQuietTicks = 0;
    if (tunnel) {
      WebSocketTunnel w = ws;
      if (w != null && msg instanceof ByteBuf) {
        w.fromUpstream((ByteBuf) msg);
      } else {
        ctx.write(msg, ctx.voidPromise());
      }
    } else if (msg instanceof ByteBuf) {
      responseContent((ByteBuf) msg);
    } else if (msg instanceof ResponseHead) {
      responseHead((ResponseHead) msg);
    } else if (msg instanceof ResponseEnd) {
      ResponseEnd e = (ResponseEnd) msg;
      try {
        responseEnd(e);
      } finally {
        e.release();
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  void responseHead(ResponseHead r) {
    int code = r.status();
    if (code == 101) {
      if (!websocket) {
        upstreamFailed(FailureKind.RESET);
        return;
      }
      switching = true;
      responseStarted = true;
      latencyNanos = System.nanoTime() - startNanos;
      ctx.write(ResponseWriter.switchingHead(ctx.alloc(), r), ctx.voidPromise());
      return;
    }
    if (code < 200) {
      interim = true;
      if (!http10) {
        ctx.write(ResponseWriter.interimHead(ctx.alloc(), r), ctx.voidPromise());
      }
      return;
    }
    responseStarted = true;
    responseStatus = code;
    latencyNanos = System.nanoTime() - startNanos;
    upstreamKeepAlive = r.upstreamKeepAlive();
    clientFraming = ResponseWriter.framing(r, isHead, http10);
    if (!keepAlive || clientFraming == ResponseWriter.Framing.UNTIL_CLOSE) {
      closeAfterResponse = true;
    }
    ResponseWriter.CookieEdit cookies = route.sticky.cookieBased() && backend != null
        ? route.sticky.responseEdit(backend, requestToken) : null;
    if (clientFraming == ResponseWriter.Framing.AS_IS && r.contentLength() <= SMALL_BODY) {
      // held until the body is in: head and a small body leave as one buffer, one write
      pendingHead = ResponseWriter.finalHead(ctx.alloc(), r, isHead, http10, closeAfterResponse, cookies,
          (int) r.contentLength());
    } else {
      ctx.write(ResponseWriter.finalHead(ctx.alloc(), r, isHead, http10, closeAfterResponse, cookies), ctx.voidPromise());
    }
  }

  /** Writes the head held back for a small body, if any. */
  void writePendingHead() {
    ByteBuf h = pendingHead;
    if (h != null) {
      pendingHead = null;
      ctx.write(h, ctx.voidPromise());
    }
  }

  void responseContent(ByteBuf content) {
    if (!responseStarted || interim || !content.isReadable() || clientFraming == ResponseWriter.Framing.NONE) {
      // the body of a 1xx has no bytes; a HEAD/304/204 answer sends none
      content.release();
      return;
    }
    ByteBuf h = pendingHead;
    if (h != null) {
      if (content.readableBytes() <= h.writableBytes()) {
        h.writeBytes(content);
        content.release();
        return;
      }
      writePendingHead();
    }
    if (clientFraming == ResponseWriter.Framing.CHUNKED) {
      ctx.write(ResponseWriter.chunkHeader(ctx.alloc(), content.readableBytes()), ctx.voidPromise());
      ctx.write(content, ctx.voidPromise());
      ctx.write(ResponseWriter.chunkEnd(), ctx.voidPromise());
    } else {
      ctx.write(content, ctx.voidPromise());
    }
  }

  void responseEnd(ResponseEnd end) {
    if (interim) {
      interim = false;
      return;
    }
    if (!responseStarted) {
      return;
    }
    if (switching) {
      startTunnel();
      return;
    }
    writePendingHead();
    if (clientFraming == ResponseWriter.Framing.CHUNKED) {
      ctx.write(ResponseWriter.lastChunk(ctx.alloc(), end.trailers()), ctx.voidPromise());
    }
    finishExchange();
  }

  void startTunnel() {
    switching = false;
    tunnel = true;
    deadlines.stop();
    clientQuietTicks = 0;
    upstreamQuietTicks = 0;
    // Counted (when placed by the connection balancer) and followed frame by frame from here on,
    // including the bytes the codecs still hold, which come out when they are removed below.
    ws = new WebSocketTunnel(this, route.tunnels, tunnelLease);
    tunnelLease = null;
    route.stats().tunnels.incrementAndGet();
    report(true);
    ctx.flush();
    // Raw bytes from here on, both ways; the codecs go, their buffered bytes come out as ByteBufs.
    ctx.pipeline().remove(StrictRequestDecoder.class);
    UpstreamConnection u = up;
    if (u != null) {
      u.channel().pipeline().remove(UpstreamResponseDecoder.class);
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
    clientQuietTicks = 0; // keep-alive idleness counts from the end of the response
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
    // A head held for its small body stays held until the body is in (responseEnd): until then
    // nothing of the response is out, so an instance dying mid-body still costs a retry, not a cut.
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
      upstreamFailed(FailureKind.RESET);
    }
  }

  /** The current attempt failed before a response was complete: retry, or answer 502/504. */
  void upstreamFailed(FailureKind outcome) {
    Backend b = backend;
    if (b != null && counted) {
      counted = false;
      b.endpoint().onFailure(outcome);
    }
    release(false);
    if (responseStarted && pendingHead != null) {
      // Only a held-back head: the client has seen nothing of this response, so it can still be
      // retried or answered cleanly.
      forgetResponse();
    }
    if (responseStarted) {
      // Part of a response is out: the client must see a truncated message, not a made-up one.
      closing = true;
      dropPendingHead();
      ctx.close();
      releasePending();
      return;
    }
    boolean safe = !wroteUpstream || (retryable && requestDone);
    if (outcome != FailureKind.TIMEOUT && safe && attempts < route.maxRetries) {
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
    fail(outcome == FailureKind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY);
  }
}
