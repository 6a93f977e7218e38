package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What an HTTP/2 client receives, as {@link Http2Headers}: a forwarded response head built from a
 * {@link ResponseHead} (fields as received with lower-case names, hop-by-hop and
 * connection-specific ones dropped as RFC 9113 §8.2.2 requires, the length kept when the instance
 * gave one, session cookies edited as on HTTP/1.1), forwarded trailers (filtered the same way),
 * and the proxy's own short answers. Stateless.
 */
final class Http2Responses {
  private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");

  private Http2Responses() {}

  /**
   * The HEADERS of a final response. A head read from an HTTP/2 instance ({@link H2ResponseHead})
   * without cookie edits gives its fields as received (the names and values the decoder validated,
   * no copies); the head still decides which are hop-by-hop and what the length is.
   */
  static Http2Headers head(ResponseHead head, ResponseWriter.@Nullable CookieEdit cookies) {
    FieldIndex fields = head.fields();
    Http2Headers out = new DefaultHttp2Headers(false, fields.count() + 2);
    out.status(HttpResponseStatus.valueOf(head.status()).codeAsText()); // a shared constant for every registered code
    @Nullable Http2Headers received = cookies == null && head instanceof H2ResponseHead h ? h.received() : null;
    if (received == null || !fieldsAsReceived(head, received, out)) {
      fieldsFromBytes(head, cookies, out);
    }
    // a HEAD or 304 answer keeps the length of the body a GET would have had (as on HTTP/1.1)
    if (head.hasLength() && head.status() != 204) {
      out.setLong(HttpHeaderNames.CONTENT_LENGTH, Math.max(head.contentLength(), 0));
    }
    if (cookies != null) {
      HeadBytes extra = HeadBytes.local();
      cookies.extra(extra);
      lines(extra.array(), 0, extra.length(), out);
    }
    return out;
  }

  /**
   * Adds the regular fields of {@code received} that {@code head} (read from them) does not call
   * hop-by-hop; false, adding nothing, when they do not line up with the head's fields.
   */
  private static boolean fieldsAsReceived(ResponseHead head, Http2Headers received, Http2Headers out) {
    int regular = 0;
    for (Map.Entry<CharSequence, CharSequence> e : received) {
      regular += pseudo(e.getKey()) ? 0 : 1;
    }
    FieldIndex fields = head.fields();
    int count = fields.count();
    // one field more only when it is the content-length: 0 that H2Heads.response adds last
    if (regular != count && (regular != count - 1 || fields.kind(count - 1) != FieldIndex.CONTENT_LENGTH)) {
      return false;
    }
    int i = 0;
    for (Map.Entry<CharSequence, CharSequence> e : received) {
      CharSequence name = e.getKey();
      if (pseudo(name)) {
        continue;
      }
      if (!head.hopByHop(i)) {
        // the head's parse accepted these bytes: no control byte is left, so trim() strips exactly OWS
        out.add(AsciiString.of(name).toLowerCase(), AsciiString.of(e.getValue()).trim());
      }
      i++;
    }
    return true;
  }

  private static boolean pseudo(CharSequence name) {
    return name.length() > 0 && name.charAt(0) == ':';
  }

  private static void fieldsFromBytes(ResponseHead head, ResponseWriter.@Nullable CookieEdit cookies, Http2Headers out) {
    FieldIndex fields = head.fields();
    byte[] src = head.bytes();
    for (int i = 0; i < fields.count(); i++) {
      if (head.hopByHop(i)) {
        continue;
      }
      if (cookies != null && fields.kind(i) == FieldIndex.SET_COOKIE) {
        HeadBytes edited = HeadBytes.local();
        cookies.setCookie(edited, head, i);
        lines(edited.array(), 0, edited.length(), out);
        continue;
      }
      out.add(lowerName(src, fields.nameStart(i), fields.nameEnd(i) - fields.nameStart(i)),
          new AsciiString(src, fields.valueStart(i), fields.valueEnd(i) - fields.valueStart(i), true));
    }
  }

  /** The HEADERS of an interim (1xx other than 101) response. */
  static Http2Headers interim(ResponseHead head) {
    Http2Headers out = new DefaultHttp2Headers(false, 2);
    out.status(HttpResponseStatus.valueOf(head.status()).codeAsText()); // a shared constant for every registered code
    byte[] src = head.bytes();
    FieldIndex fields = head.fields();
    for (int i = 0; i < fields.count(); i++) {
      if (!head.hopByHop(i)) {
        out.add(lowerName(src, fields.nameStart(i), fields.nameEnd(i) - fields.nameStart(i)),
            new AsciiString(src, fields.valueStart(i), fields.valueEnd(i) - fields.valueStart(i), true));
      }
    }
    return out;
  }

  /** {@code :status 100}. */
  static Http2Headers continue100() {
    return new DefaultHttp2Headers(false, 0).status(HttpResponseStatus.CONTINUE.codeAsText());
  }

  /**
   * The trailer fields of an upstream response (its trailer lines as received, ending with the
   * empty line), without those that never travel in trailers; empty when none is left.
   */
  static Http2Headers trailers(ByteBuf lines) {
    byte[] b = ByteBufUtil.getBytes(lines, lines.readerIndex(), lines.readableBytes(), false);
    Http2Headers out = new DefaultHttp2Headers(false, 4);
    lines(b, 0, b.length, out);
    return out;
  }

  /** The HEADERS of one of the proxy's own answers ({@link #errorBody} is its DATA). */
  static Http2Headers error(HttpResponseStatus status, int bodyLength) {
    return new DefaultHttp2Headers(false, 2).status(status.codeAsText())
        .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN).setInt(HttpHeaderNames.CONTENT_LENGTH, bodyLength);
  }

  /** The text body of one of the proxy's own answers: its status line, and {@code detail} as a second line unless empty. */
  static ByteBuf errorBody(ByteBufAllocator alloc, HttpResponseStatus status, String detail) {
    String text = status.code() + " " + status.reasonPhrase() + "\n" + (detail.isEmpty() ? "" : detail + "\n");
    ByteBuf out = alloc.buffer(text.length());
    ByteBufUtil.writeAscii(out, text);
    return out;
  }

  /**
   * Adds the field lines in {@code b[from, to)} ({@code name: value} and CRLF or LF, as checked by
   * the upstream parser or written by the proxy) to {@code out}, names in lower case, values without
   * surrounding whitespace, fields that are hop-by-hop in HTTP/1.1 and connection-specific in HTTP/2
   * left out. An empty line ends them.
   */
  private static void lines(byte[] b, int from, int to, Http2Headers out) {
    int p = from;
    while (p < to) {
      int lf = FieldBytes.indexOf(b, p, to, (byte) '\n');
      int end = lf < 0 ? to : lf;
      int eol = end > p && b[end - 1] == '\r' ? end - 1 : end;
      if (eol == p) {
        return;
      }
      int colon = FieldBytes.indexOf(b, p, eol, (byte) ':');
      if (colon > p) {
        int vs = FieldBytes.skipOws(b, colon + 1, eol);
        int ve = FieldBytes.backOws(b, vs, eol);
        AsciiString name = lowerName(b, p, colon - p);
        if (!connectionSpecific(name)) {
          out.add(name, new AsciiString(b, vs, ve - vs, true));
        }
      }
      p = end + 1;
    }
  }

  /**
   * Fields that have no place in an HTTP/2 message (RFC 9113 §8.2.2), or in a trailer section;
   * {@code n} in lower case. Also the filter of {@link ResponseTrailers#fromHttp2}.
   */
  static boolean connectionSpecific(AsciiString n) {
    return switch (n.length()) {
      case 2 -> n.contentEquals("te");
      case 4 -> n.contentEquals("host");
      case 7 -> n.contentEquals("upgrade") || n.contentEquals("trailer");
      case 10 -> n.contentEquals("connection") || n.contentEquals("keep-alive");
      case 14 -> n.contentEquals("content-length");
      case 16 -> n.contentEquals("proxy-connection");
      case 17 -> n.contentEquals("transfer-encoding");
      default -> false;
    };
  }

  /** {@code len} bytes of a field name from {@code src[at]}, in lower case (HTTP/2 names are). */
  private static AsciiString lowerName(byte[] src, int at, int len) {
    byte[] name = new byte[len];
    for (int i = 0; i < len; i++) {
      byte c = src[at + i];
      name[i] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
    }
    return new AsciiString(name, false);
  }
}
