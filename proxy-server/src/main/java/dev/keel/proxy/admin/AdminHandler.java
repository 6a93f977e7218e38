package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.proxy.transport.Transport;
import dev.keel.registry.RegistryClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Serves one admin request. Runs on an event loop; every route answers from memory. */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  /** What every admin connection shares. */
  record Shared(List<RunningListener> listeners, LazyMetrics metrics, @Nullable String token, RegistryClient registry,
      AdminHosts hosts, Plugins plugins, Transport transport) {}

  private static final byte[] DASHBOARD = loadDashboard();

  private final Shared shared;

  AdminHandler(Shared shared) {
    this.shared = shared;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    String path = req.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (!HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method())) {
      send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only\n".getBytes(StandardCharsets.US_ASCII));
      return;
    }
    if (!shared.hosts().allows(req.headers().get(HttpHeaderNames.HOST)) && !(shared.token() != null && authorized(req))) {
      send(ctx, req, HttpResponseStatus.FORBIDDEN, "text/plain", ("Host not allowed: without the bearer token only IP addresses,"
          + " localhost and admin.allowed-hosts are answered (DNS rebinding)\n").getBytes(StandardCharsets.US_ASCII));
      return;
    }
    if (path.equals("/healthz")) {
      RegistryStatus.Readiness ready = RegistryStatus.readiness(shared.registry(), shared.listeners());
      send(ctx, req, ready.status(), "text/plain; charset=utf-8", ready.body().getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (path.equals("/")) {
      // The page holds no data (it fetches /status with the token from its #fragment), so a
      // browser can open it without sending a bearer header.
      send(ctx, req, HttpResponseStatus.OK, "text/html; charset=utf-8", DASHBOARD);
      return;
    }
    if (!authorized(req)) {
      FullHttpResponse r = response(HttpResponseStatus.UNAUTHORIZED, "text/plain", "bearer token required\n".getBytes(StandardCharsets.US_ASCII));
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      write(ctx, req, r);
      return;
    }
    switch (path) {
      case "/status":
        send(ctx, req, HttpResponseStatus.OK, "application/json", StatusJson.render(shared));
        break;
      case "/metrics":
        send(ctx, req, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
            shared.metrics().scrape().getBytes(StandardCharsets.UTF_8));
        break;
      default:
        send(ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  private boolean authorized(FullHttpRequest req) {
    String token = shared.token();
    if (token == null) {
      return true;
    }
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // constant time: the token must not leak through response timing
    return MessageDigest.isEqual(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
    ByteBuf buf = Unpooled.wrappedBuffer(body);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return r;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String type, byte[] body) {
    write(ctx, req, response(status, type, body));
  }

  private static void write(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r) {
    if (HttpMethod.HEAD.equals(req.method())) {
      r.content().clear();
    }
    HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(req));
    if (HttpUtil.isKeepAlive(req)) {
      ctx.writeAndFlush(r);
    } else {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static byte[] loadDashboard() {
    try (InputStream in = AdminHandler.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        return "<!doctype html><p>dashboard missing from the jar</p>".getBytes(StandardCharsets.UTF_8);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("dashboard.html: " + e.getMessage(), e);
    }
  }
}
