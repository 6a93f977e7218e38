package dev.keel.proxy.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one pass over a request's head found, and whether the request may be forwarded at all.
 * One instance per client connection, reset for each request, so checking allocates little.
 *
 * <p>Confined to the client connection's event loop.
 */
final class RequestHead {
  int hostCount;
  @Nullable CharSequence host;
  int teCount;
  @Nullable CharSequence te;
  /** The request's TE field lists {@code trailers} (a gRPC client's does): kept for HTTP/2 instances. */
  boolean teTrailers;
  final List<CharSequence> connection = new ArrayList<>(2);
  @Nullable CharSequence upgrade;
  @Nullable CharSequence expect;
  @Nullable CharSequence contentLength;
  /** Some field the proxy removes before forwarding (hop-by-hop, Expect, Proxy-Authorization, Content-Length) is present. */
  boolean dropped;
  @Nullable String problem;

  /**
   * The status to refuse {@code req} with, or null when it may be forwarded; {@link #problem}
   * says why for the log.
   */
  @Nullable HttpResponseStatus check(HttpRequest req, int maxUriLength) {
    reset();
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      problem = String.valueOf(cause);
      if (cause instanceof TooLongHttpLineException) {
        return HttpResponseStatus.REQUEST_URI_TOO_LONG;
      }
      if (cause instanceof TooLongHttpHeaderException) {
        return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      }
      if (cause instanceof TooLongFrameException) {
        return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      }
      return HttpResponseStatus.BAD_REQUEST;
    }
    HttpVersion v = req.protocolVersion();
    if (v.majorVersion() != 1 || v.minorVersion() > 1 || !"HTTP".equals(v.protocolName())) {
      problem = "version " + v;
      return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
    }
    if (HttpMethod.CONNECT.equals(req.method())) {
      problem = "CONNECT";
      return HttpResponseStatus.METHOD_NOT_ALLOWED;
    }
    String uri = req.uri();
    if (uri.length() > maxUriLength) {
      problem = "target of " + uri.length() + " bytes";
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    if (!validTarget(uri, req.method())) {
      problem = "request target";
      return HttpResponseStatus.BAD_REQUEST;
    }
    scan(req.headers());
    boolean http11 = v.minorVersion() == 1;
    if (hostCount > 1 || (hostCount == 0 && http11) || (host != null && !validHost(host))) {
      problem = "Host";
      return HttpResponseStatus.BAD_REQUEST;
    }
    if (teCount > 1 || (te != null && (!http11 || !AsciiString.contentEqualsIgnoreCase(trim(te), HttpHeaderValues.CHUNKED)))) {
      problem = "Transfer-Encoding";
      return HttpResponseStatus.BAD_REQUEST;
    }
    if (expect != null && !AsciiString.contentEqualsIgnoreCase(trim(expect), "100-continue")) {
      problem = "Expect";
      return HttpResponseStatus.EXPECTATION_FAILED;
    }
    return null;
  }

  boolean chunked() {
    return te != null;
  }

  /** True when the request has a body (chunked, or a Content-Length above 0). */
  boolean hasBody() {
    return te != null || contentLength() > 0;
  }

  /**
   * True when the request may be sent again after an instance failed once it had it: an
   * idempotent method (RFC 9110 §9.2.2) without a body, which the proxy does not keep.
   */
  boolean retryable(HttpMethod m) {
    return !hasBody() && (HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.PUT.equals(m) || HttpMethod.DELETE.equals(m) || HttpMethod.TRACE.equals(m));
  }

  /** True when the request asks for a WebSocket upgrade on a GET with Connection: upgrade. */
  boolean websocketUpgrade(HttpRequest req) {
    return upgrade != null && HttpMethod.GET.equals(req.method())
        && AsciiString.contentEqualsIgnoreCase(trim(upgrade), "websocket")
        && connectionHas("upgrade");
  }

  boolean connectionHas(String token) {
    for (int i = 0; i < connection.size(); i++) { // no iterator per request
      if (Tokens.contains(connection.get(i), token)) {
        return true;
      }
    }
    return false;
  }

  /** Forgets the last request (an HTTP/2 stream's reader fills the fields itself). */
  void reset() {
    hostCount = 0;
    host = null;
    teCount = 0;
    te = null;
    teTrailers = false;
    connection.clear();
    upgrade = null;
    expect = null;
    contentLength = null;
    dropped = false;
    problem = null;
  }

  private void scan(HttpHeaders headers) {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      // by length first: most fields are none of these, and are passed over after one comparison
      switch (name.length()) {
        case 2 -> {
          if (is(name, HttpHeaderNames.TE)) {
            dropped = true;
            teTrailers |= Tokens.contains(e.getValue(), "trailers");
          }
        }
        case 4 -> {
          if (is(name, HttpHeaderNames.HOST)) {
            hostCount++;
            host = e.getValue();
          }
        }
        case 6 -> {
          if (is(name, HttpHeaderNames.EXPECT)) {
            expect = e.getValue();
            dropped = true;
          }
        }
        case 7 -> {
          if (is(name, HttpHeaderNames.UPGRADE)) {
            upgrade = e.getValue();
            dropped = true;
          } else {
            dropped |= is(name, HttpHeaderNames.TRAILER);
          }
        }
        case 10 -> {
          if (is(name, HttpHeaderNames.CONNECTION)) {
            connection.add(e.getValue());
            dropped = true;
          } else {
            dropped |= is(name, HeaderRewriter.KEEP_ALIVE);
          }
        }
        case 14 -> {
          if (is(name, HttpHeaderNames.CONTENT_LENGTH)) {
            contentLength = e.getValue();
            dropped = true;
          }
        }
        case 16 -> dropped |= is(name, "proxy-connection");
        case 17 -> {
          if (is(name, HttpHeaderNames.TRANSFER_ENCODING)) {
            teCount++;
            te = e.getValue();
            dropped = true;
          }
        }
        case 19 -> dropped |= is(name, HttpHeaderNames.PROXY_AUTHORIZATION);
        default -> { }
      }
    }
  }

  private static boolean is(CharSequence name, CharSequence known) {
    return AsciiString.contentEqualsIgnoreCase(name, known);
  }

  /**
   * True when the Content-Length says more than {@code maxBody} bytes (0: no limit), refused before
   * any of it is read; a chunked body is counted as it comes.
   */
  boolean declaresMoreThan(long maxBody) {
    return maxBody > 0 && !chunked() && contentLength() > maxBody;
  }

  /** The request's body length from its (checked) Content-Length; -1 without one. */
  long contentLength() {
    CharSequence cl = contentLength;
    return cl == null ? -1 : Long.parseLong(trim(cl).toString());
  }

  /** HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 only when it says keep-alive. */
  boolean keepAlive(boolean http11) {
    return !connectionHas("close") && (http11 || connectionHas("keep-alive"));
  }


  static boolean validTarget(String uri, HttpMethod method) {
    if (uri.isEmpty()) {
      return false;
    }
    char c = uri.charAt(0);
    if (c == '/') {
      return true;
    }
    if (uri.equals("*")) {
      return HttpMethod.OPTIONS.equals(method);
    }
    return Targets.isAbsolute(uri);
  }

  /** reg-name, IPv4 or [IPv6], optional port: no spaces, slashes, '@' or controls. */
  static boolean validHost(CharSequence h) {
    int n = h.length();
    if (n == 0 || n > 255) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = h.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_' || c == '~' || c == '%';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static CharSequence trim(CharSequence s) {
    int a = 0;
    int b = s.length();
    while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
      b--;
    }
    return a == 0 && b == s.length() ? s : s.subSequence(a, b);
  }
}
