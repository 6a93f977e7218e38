package dev.keel.proxy.http;

import dev.keel.proxy.accesslog.AccessEntry;
import dev.keel.proxy.accesslog.AccessLog;
import dev.keel.proxy.upstream.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * The access log's view of one client connection of an HTTP listener: counts the response bytes
 * written to the client (it sits in the pipeline below the proxy handler and above TLS, so it
 * counts HTTP bytes), and keeps the facts of the exchange in progress until it ends, when it hands
 * one {@link AccessEntry} to the listener's {@link AccessLog}. In the pipeline only when the
 * listener has an access log. Confined to the connection's event loop; one per connection, or one
 * per HTTP/2 stream (out of the pipeline: {@link #sent} counts its response body bytes).
 */
public final class ExchangeLog extends ChannelOutboundHandlerAdapter {
  private final AccessLog log;
  private long written;
  // the exchange in progress: set by begin, cleared by end
  private boolean open;
  private long startNanos;
  private long writtenAtStart;
  private String client = "";
  private String method = "-";
  private String target = "-";
  private String protocol = "-";
  private @Nullable String referer;
  private @Nullable String userAgent;
  private @Nullable String route;
  private @Nullable String service;

  /** The counter and logger of one new client connection, lines to {@code log}. */
  public ExchangeLog(AccessLog log) {
    this.log = log;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      written += b.readableBytes();
    } else if (msg instanceof ByteBufHolder h) {
      written += h.content().readableBytes();
    }
    ctx.write(msg, promise);
  }

  /**
   * {@code bytes} of response went to the client outside the pipeline: an HTTP/2 stream's log counts
   * its DATA this way (its connection's bytes are every stream's).
   */
  void sent(long bytes) {
    written += bytes;
  }

  /** A request head (null: none came) arrived from {@code peer}: its exchange starts. */
  void begin(@Nullable HttpRequest req, String peer) {
    begin(req, peer, req == null ? "-" : req.protocolVersion().text());
  }

  /** As above, the request having come as {@code protocol} (an HTTP/2 stream's: {@code HTTP/2.0}). */
  void begin(@Nullable HttpRequest req, String peer, String protocol) {
    open = true;
    startNanos = System.nanoTime();
    writtenAtStart = written;
    client = peer;
    method = req == null ? "-" : req.method().name();
    target = req == null ? "-" : req.uri();
    this.protocol = protocol;
    referer = req == null ? null : req.headers().get(HttpHeaderNames.REFERER);
    userAgent = req == null ? null : req.headers().get(HttpHeaderNames.USER_AGENT);
    route = null;
    service = null;
  }

  /**
   * The request was routed: {@code clientIp} is the client address the proxy trusts for it.
   *
   * @param routeName the route's name, null on a listener with {@code service:}
   */
  void routed(String clientIp, @Nullable String routeName, String serviceName) {
    client = clientIp;
    route = routeName;
    service = serviceName;
  }

  /** The response of {@code e} went out whole. */
  void done(@Nullable Exchange e) {
    end(e == null ? 0 : e.answered(), e, null);
  }

  /**
   * The proxy answered {@code status} itself, to the exchange {@code e} or, before there was one,
   * to a request (or to a head that never came: then the line has {@code -} for the request).
   */
  void failed(HttpResponseStatus status, @Nullable Exchange e, String peer) {
    if (!open) {
      begin(null, peer);
    }
    end(status.code(), e, errorKind(status));
  }

  /** The response of {@code e} was cut after part of it went out, or its WebSocket tunnel ended. */
  void cut(@Nullable Exchange e) {
    end(e == null ? 0 : e.answered(), e, e != null && e.tunnel() != null ? null : "response_cut");
  }

  /** The client connection closed: the exchange in progress, if any, ends with it. */
  void gone(@Nullable Exchange e) {
    end(e == null ? 0 : e.answered(), e, e != null && e.tunnel() != null ? null : "client_closed");
  }

  private void end(int status, @Nullable Exchange e, @Nullable String error) {
    if (!open) {
      return;
    }
    open = false;
    Backend b = e == null ? null : e.tried();
    log.log(new AccessEntry(System.currentTimeMillis(), client, method, target, protocol, status, written - writtenAtStart,
        System.nanoTime() - startNanos, b == null ? null : b.id(), b == null ? null : b.addressText(),
        e == null ? 0 : e.tries(), route, service, error, referer, userAgent));
  }

  /** What the access log calls the proxy's own answer {@code status}. */
  static String errorKind(HttpResponseStatus status) {
    return switch (status.code()) {
      case 400 -> "bad_request";
      case 404 -> "no_route";
      case 408 -> "client_timeout";
      case 413 -> "body_too_large";
      case 414 -> "uri_too_long";
      case 431 -> "header_too_large";
      case 502 -> "upstream_error";
      case 503 -> "no_instance";
      case 504 -> "upstream_timeout";
      default -> "proxy_" + status.code();
    };
  }
}
