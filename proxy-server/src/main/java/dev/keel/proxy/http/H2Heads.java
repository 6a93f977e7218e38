package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Heads between HTTP/1.1 and HTTP/2 towards an HTTP/2 instance (RFC 9113 §8.2.2, §8.3): a checked,
 * rewritten HTTP/1.1 request becomes HEADERS ({@code Host} → {@code :authority}, names lower case,
 * connection-specific fields out, {@code te: trailers} kept); a response's HEADERS become the
 * HTTP/1.1 lines a {@link ResponseHead} reads, so the exchange and the client side see one kind of
 * head whatever the instance speaks. Request trailers become HEADERS the same way; response trailers
 * travel as {@link ResponseTrailers}.
 */
final class H2Heads {
  private static final byte[] HTTP11 = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
  private static final byte[] CONTENT_LENGTH_0 = "content-length: 0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  /** Netty deprecates its constant (HTTP/1.0's field), and RFC 9113 still forbids it in HTTP/2. */
  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

  private H2Heads() {}

  /** The HEADERS of {@code req} (checked and rewritten for the upstream) with {@code scheme}. */
  static Http2Headers request(HttpRequest req, AsciiString scheme) {
    HttpHeaders in = req.headers();
    Http2Headers out = new DefaultHttp2Headers(false, in.size() + 4);
    out.method(req.method().asciiName()).scheme(scheme).path(req.uri());
    String host = in.get(HttpHeaderNames.HOST);
    if (host != null) {
      out.authority(host);
    }
    copy(in, out);
    return out;
  }

  /** Request trailers (already filtered like heads by {@link TrailerFilter}) as HEADERS. */
  static Http2Headers trailers(HttpHeaders in) {
    Http2Headers out = new DefaultHttp2Headers(false, in.size());
    copy(in, out);
    return out;
  }

  private static void copy(HttpHeaders in, Http2Headers out) {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      AsciiString name = AsciiString.of(e.getKey()).toLowerCase();
      CharSequence value = e.getValue();
      if (!connectionSpecific(name, value)) {
        out.add(name, value);
      }
    }
  }

  /** Fields HTTP/2 forbids (RFC 9113 §8.2.2), and Host, which becomes :authority. */
  private static boolean connectionSpecific(AsciiString name, CharSequence value) {
    if (name.contentEquals(HttpHeaderNames.TE)) {
      return !AsciiString.contentEqualsIgnoreCase(value, HttpHeaderValues.TRAILERS);
    }
    return name.contentEquals(HttpHeaderNames.HOST) || name.contentEquals(HttpHeaderNames.CONNECTION)
        || name.contentEquals(KEEP_ALIVE) || name.contentEquals(PROXY_CONNECTION)
        || name.contentEquals(HttpHeaderNames.TRANSFER_ENCODING) || name.contentEquals(HttpHeaderNames.UPGRADE)
        || name.contentEquals(HTTP2_SETTINGS);
  }

  /**
   * Reads a response's HEADERS into {@code into}, as HTTP/1.1 lines: the head's length, or {@link
   * ResponseHead#MALFORMED} (no valid {@code :status}, or a field an HTTP/1.1 head cannot carry;
   * {@link ResponseHead#problem()} says which).
   *
   * @param endStream the HEADERS ended the stream: a final answer with no body says {@code content-length: 0}
   */
  static int response(Http2Headers h, ResponseHead into, boolean headRequest, boolean endStream) {
    CharSequence status = h.status();
    HeadBytes out = HeadBytes.local();
    out.put(HTTP11);
    int code = status == null || status.length() != 3 ? -1 : parseStatus(status);
    if (code < 100) {
      out.ascii("000"); // refused by the parse below, which names the problem
    } else {
      out.ascii(status).put(' ').ascii(HttpResponseStatus.valueOf(code).reasonPhrase());
    }
    out.put(HeadBytes.CRLF);
    boolean length = false;
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) == ':') {
        continue;
      }
      length |= AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH);
      oneLine(out, name).put(HeadBytes.COLON);
      oneLine(out, e.getValue()).put(HeadBytes.CRLF);
    }
    if (endStream && !length && !headRequest && code >= 200 && code != 204 && code != 304) {
      out.put(CONTENT_LENGTH_0);
    }
    out.put(HeadBytes.CRLF);
    return into.readAssembled(out.array(), out.length(), headRequest);
  }

  /**
   * A name or value that stays on its field line: a CR or LF in it (the decoder's validation lets
   * none through, this does not depend on it) is written as NUL, which the parse refuses by name
   * ("field name", "field value"), so the HEADERS are refused rather than read as more fields.
   */
  private static HeadBytes oneLine(HeadBytes out, CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n') {
        for (int j = 0; j < s.length(); j++) {
          char d = s.charAt(j);
          out.put(d == '\r' || d == '\n' ? '\0' : d);
        }
        return out;
      }
    }
    return out.text(s);
  }

  private static int parseStatus(CharSequence s) {
    int code = 0;
    for (int i = 0; i < 3; i++) {
      char d = s.charAt(i);
      if (d < '0' || d > '9') {
        return -1;
      }
      code = code * 10 + (d - '0');
    }
    return code;
  }
}
