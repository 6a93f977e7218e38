package dev.keel.proxy.http;

import static io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the request of an HTTP/2 stream: checks its HEADERS as RFC 9113 §8.3 requires of a server
 * that forwards to HTTP/1.1, and makes them the {@link HttpRequest} an {@link Exchange} forwards,
 * with the facts of its head in a {@link RequestHead} (host, body length or chunked, Expect).
 * Netty's decoder has already refused upper-case and connection-specific field names, {@code te}
 * other than {@code trailers}, misplaced or unknown pseudo-header fields, and a body that disagrees
 * with its content-length. What it does not check is checked here, since an HTTP/1.1 instance would
 * read it differently: a field value with CR, LF or NUL (request smuggling through the downgrade:
 * RFC 9113 §8.2.1), leading or trailing whitespace, missing {@code :method}, {@code :scheme} or
 * {@code :path}, and a {@code host} that names another authority than {@code :authority}. Those
 * are malformed: a stream error (RST_STREAM PROTOCOL_ERROR), nothing forwarded. A request that is
 * well formed but refused gets a status instead (405 CONNECT, 414, 400 bad authority).
 *
 * <p>One per stream object, reused: confined to the connection's event loop.
 */
final class Http2RequestReader {
  private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
      .withNameValidation(false).withValueValidation(false); // checked here, once
  private static final AsciiString CHUNKED = AsciiString.cached("chunked");

  private final RequestHead head = new RequestHead();
  private @Nullable HttpRequest request;
  private boolean grpc;
  private long grpcTimeoutNanos;

  /** What the head says (after {@link #read}). */
  RequestHead head() {
    return head;
  }

  /** The request made by the last successful {@link #read}. */
  HttpRequest request() {
    HttpRequest r = request;
    if (r == null) {
      throw new IllegalStateException("no request read");
    }
    return r;
  }

  /** The request is a gRPC call ({@code content-type: application/grpc...}). */
  boolean grpc() {
    return grpc;
  }

  /** The call's {@code grpc-timeout}, or -1 when it has none (or not a valid one). */
  long grpcTimeoutNanos() {
    return grpcTimeoutNanos;
  }

  /**
   * Reads {@code h}, the first HEADERS of stream {@code streamId}.
   *
   * @param endOfStream the HEADERS ended the stream: the request has no body
   * @return null when the request may be forwarded ({@link #request()}), else the status to answer
   * @throws Http2Exception a stream error when the request is malformed
   */
  @Nullable HttpResponseStatus read(int streamId, Http2Headers h, boolean endOfStream, int maxUriLength) throws Http2Exception {
    head.reset();
    request = null;
    grpc = false;
    grpcTimeoutNanos = -1;
    CharSequence method = h.method();
    if (method == null) {
      throw malformed(streamId, "no :method");
    }
    if (AsciiString.contentEquals(method, HttpMethod.CONNECT.asciiName())) {
      head.problem = "CONNECT";
      return HttpResponseStatus.METHOD_NOT_ALLOWED;
    }
    CharSequence path = h.path();
    if (h.scheme() == null || path == null || path.length() == 0) {
      throw malformed(streamId, "no :scheme or :path");
    }
    if (!token(method)) {
      throw malformed(streamId, ":method");
    }
    HttpMethod m = HttpMethod.valueOf(method.toString());
    if (path.charAt(0) != '/' && !(path.length() == 1 && path.charAt(0) == '*' && HttpMethod.OPTIONS.equals(m))) {
      throw malformed(streamId, ":path not in origin form");
    }
    if (path.length() > maxUriLength) {
      head.problem = "target of " + path.length() + " bytes";
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        head.problem = "request target";
        return HttpResponseStatus.BAD_REQUEST;
      }
    }
    HttpHeaders out = HEADERS.newHeaders();
    @Nullable StringBuilder cookies = null;
    @Nullable CharSequence cookie = null;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      CharSequence value = e.getValue();
      if (name.length() > 0 && name.charAt(0) == ':') {
        continue; // pseudo-header fields: read above (Netty refused unknown and misplaced ones)
      }
      if (!fieldValue(value)) {
        throw malformed(streamId, "field value of " + name);
      }
      if (AsciiString.contentEquals(name, HttpHeaderNames.COOKIE)) {
        // RFC 9113 §8.2.3: cookie-pairs travel as separate fields; HTTP/1.1 wants one line
        if (cookie == null) {
          cookie = value;
        } else {
          cookies = (cookies == null ? new StringBuilder(cookie) : cookies).append("; ").append(value);
        }
        continue;
      }
      if (!scan(name, value)) {
        out.add(name, value);
      }
    }
    if (cookie != null) {
      out.add(HttpHeaderNames.COOKIE, cookies != null ? cookies.toString() : cookie);
    }
    CharSequence authority = h.authority();
    if (authority != null) {
      if (!RequestHead.validHost(authority) || (head.host != null && !AsciiString.contentEqualsIgnoreCase(head.host, authority))) {
        head.problem = ":authority";
        return HttpResponseStatus.BAD_REQUEST;
      }
      out.set(HttpHeaderNames.HOST, authority);
      head.host = authority;
    } else if (head.host != null) {
      if (head.hostCount > 1 || !RequestHead.validHost(head.host)) {
        head.problem = "host";
        return HttpResponseStatus.BAD_REQUEST;
      }
      out.set(HttpHeaderNames.HOST, head.host);
    }
    if (!endOfStream && head.contentLength == null) {
      head.te = CHUNKED; // a body of unknown length: chunked to an HTTP/1.1 instance
    }
    request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, path.toString(), out);
    return null;
  }

  /**
   * Notes what the head of the request says in {@code name}; true when the field is not copied
   * as it is (host, which becomes the authority, and the fields that never reach an instance).
   */
  private boolean scan(CharSequence name, CharSequence value) {
    switch (name.length()) {
      case 2 -> { // te: trailers (Netty refused anything else); a hop-by-hop field
        if (AsciiString.contentEquals(name, HttpHeaderNames.TE)) {
          head.dropped = true;
          head.teTrailers = AsciiString.contentEqualsIgnoreCase(value, Grpc.TRAILERS); // passed on to HTTP/2 instances
          return true;
        }
      }
      case 4 -> {
        if (AsciiString.contentEquals(name, HttpHeaderNames.HOST)) {
          head.hostCount++;
          head.host = value;
          return true;
        }
      }
      case 6 -> {
        if (AsciiString.contentEquals(name, HttpHeaderNames.EXPECT)) {
          head.expect = value;
          head.dropped = true;
        }
      }
      case 12 -> {
        if (AsciiString.contentEquals(name, HttpHeaderNames.CONTENT_TYPE)) {
          grpc = Grpc.isGrpc(value);
        } else if (AsciiString.contentEquals(name, Grpc.TIMEOUT)) {
          grpcTimeoutNanos = Grpc.timeoutNanos(value);
        }
      }
      case 14 -> {
        if (AsciiString.contentEquals(name, HttpHeaderNames.CONTENT_LENGTH)) {
          head.contentLength = value; // a number: Netty's decoder normalized it
          head.dropped = true;
        }
      }
      case 19 -> head.dropped |= AsciiString.contentEquals(name, HttpHeaderNames.PROXY_AUTHORIZATION);
      default -> { }
    }
    return false;
  }

  /**
   * Reads the trailers of a request (its second HEADERS, with END_STREAM) into {@code into}: fields
   * checked as the head's are, then filtered as any trailer section is ({@link TrailerFilter}).
   */
  static void trailers(int streamId, Http2Headers h, HttpHeaders into) throws Http2Exception {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      if (!fieldValue(e.getValue())) {
        throw malformed(streamId, "trailer value of " + e.getKey());
      }
      into.add(e.getKey(), e.getValue());
    }
    TrailerFilter.apply(into, java.util.List.of());
  }

  /** RFC 9113 §8.2.1: no NUL, CR or LF anywhere, no whitespace at either end. */
  static boolean fieldValue(CharSequence v) {
    int n = v.length();
    if (n > 0 && (ows(v.charAt(0)) || ows(v.charAt(n - 1)))) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return false;
      }
    }
    return true;
  }

  private static boolean ows(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean token(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0x7f || !FieldBytes.tchar((byte) c)) {
        return false;
      }
    }
    return s.length() > 0;
  }

  private static Http2Exception malformed(int streamId, String what) {
    return Http2Exception.streamError(streamId, PROTOCOL_ERROR, "malformed request: %s", what);
  }
}
