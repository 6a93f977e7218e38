package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Rewrites request heads in place on their way to the upstream: hop-by-hop headers and those
 * named in {@code Connection} removed (RFC 9110 §7.6.1), framing regenerated from what the decoder
 * established rather than copied, {@code X-Forwarded-*} set. Responses are rewritten as they are
 * written, by {@link ResponseWriter}.
 */
final class HeaderRewriter {
  // Netty 4.2 deprecates its name for this HTTP/1.0 header; a proxy still has to drop it.
  static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");

  private HeaderRewriter() {}

  /**
   * Prepares a checked request for the upstream.
   *
   * @param peer the client's address text; {@code trusted} when it is a configured trusted proxy,
   *     whose X-Forwarded-* are then extended instead of replaced, and whose other client-address
   *     headers pass ({@code clientHeaders} removes them from anyone else)
   */
  static void request(HttpRequest req, RequestHead head, boolean websocket, String peer, boolean trusted, AsciiString proto,
      ClientAddressHeaders clientHeaders) {
    request(req, head, websocket, peer, trusted, proto, clientHeaders, false);
  }

  /**
   * As above; with {@code http2Upstream}, a {@code TE: trailers} of the client is kept (HTTP/2 allows
   * that one value, and gRPC servers ask for it), and no framing field is set (HTTP/2 frames the body).
   */
  static void request(HttpRequest req, RequestHead head, boolean websocket, String peer, boolean trusted, AsciiString proto,
      ClientAddressHeaders clientHeaders, boolean http2Upstream) {
    HttpHeaders h = req.headers();
    clientHeaders.strip(h, trusted);
    long contentLength = head.chunked() ? -1 : head.contentLength();
    String uri = req.uri();
    if (uri.charAt(0) != '/' && !uri.equals("*")) {
      String authority = Targets.authority(uri);
      req.setUri(Targets.originForm(uri));
      if (authority != null) {
        h.set(HttpHeaderNames.HOST, authority);
      }
    }
    if (head.dropped) {
      stripHopByHop(h, head.connection);
      h.remove(HttpHeaderNames.EXPECT);
      h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    if (websocket) {
      h.set(HttpHeaderNames.UPGRADE, WEBSOCKET);
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    if (http2Upstream && head.teTrailers) {
      h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    if (head.chunked()) {
      if (!http2Upstream) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    } else if (contentLength >= 0) {
      h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
    }
    if (head.host == null) {
      // HTTP/1.0 without Host: the upstream still gets one.
      h.set(HttpHeaderNames.HOST, "localhost");
    }
    String xff = trusted ? h.get(X_FORWARDED_FOR) : null;
    h.set(X_FORWARDED_FOR, xff == null ? peer : xff + ", " + peer);
    if (!trusted || !h.contains(X_FORWARDED_PROTO)) {
      h.set(X_FORWARDED_PROTO, proto);
    }
    if (!trusted || !h.contains(X_FORWARDED_HOST)) {
      h.set(X_FORWARDED_HOST, head.host != null && uri.charAt(0) == '/' ? head.host : h.get(HttpHeaderNames.HOST));
    }
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  private static void stripHopByHop(HttpHeaders h, List<? extends CharSequence> connection) {
    for (int i = 0; i < connection.size(); i++) {
      // "Connection: Host" must not make the instance see a request without Host (RFC 9110 §7.2
      // requires it; an instance may then pick a default virtual host).
      Tokens.removeNamed(h, connection.get(i), "host");
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.UPGRADE);
  }
}
