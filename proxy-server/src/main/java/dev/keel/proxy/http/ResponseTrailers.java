package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A response's trailer section on its way from an upstream to the client's {@link ResponseSink},
 * in the form it arrived: the field lines an HTTP/1.1 chunked response ended with, or the trailing
 * HEADERS of an HTTP/2 stream, filtered when made. Each sink asks for the form it writes ({@link
 * #lines()}, {@link #http2()}); only a form other than the one received is translated, so an
 * HTTP/2 → HTTP/2 call (every gRPC call ends with trailers) never turns its trailers into bytes and
 * back.
 *
 * <p>From HTTP/2 ({@link #fromHttp2}) the same fields are dropped as on the way through HTTP/1.1
 * lines: pseudo-fields, fields that frame or route a message or are connection-specific
 * (RFC 9113 §8.2.2), and fields an HTTP/1.1 message cannot carry (a name that is no token, a value
 * with control bytes); names go in lower case, values without surrounding whitespace.
 *
 * <p>Borrowed by the sink during {@link ResponseSink#end} only; confined to the event loop.
 */
final class ResponseTrailers {
  private @Nullable ByteBuf lines;
  private @Nullable Http2Headers fields;

  private ResponseTrailers(@Nullable ByteBuf lines, @Nullable Http2Headers fields) {
    this.lines = lines;
    this.fields = fields;
  }

  /** The trailer field lines of an HTTP/1.1 response (checked by its parser, ending with the empty line; borrowed). */
  static ResponseTrailers fromLines(ByteBuf lines) {
    return new ResponseTrailers(lines, null);
  }

  /** The forwardable fields of an HTTP/2 response's trailing HEADERS, or null when none is left. */
  static @Nullable ResponseTrailers fromHttp2(Http2Headers received) {
    @Nullable Http2Headers out = null;
    for (Map.Entry<CharSequence, CharSequence> e : received) {
      CharSequence name = e.getKey();
      CharSequence value = e.getValue();
      if (name.length() == 0 || name.charAt(0) == ':' || !writable(name, value)) {
        continue;
      }
      AsciiString lower = AsciiString.of(name).toLowerCase();
      if (Http2Responses.connectionSpecific(lower)) { // the filter trailers from HTTP/1.1 lines get too
        continue;
      }
      if (out == null) {
        out = new DefaultHttp2Headers(false, received.size());
      }
      // writable: the only bytes at or below SP left are SP and HTAB, so trim() strips exactly OWS
      out.add(lower, AsciiString.of(value).trim());
    }
    return out == null ? null : new ResponseTrailers(null, out);
  }

  /**
   * The fields as HEADERS for an HTTP/2 client; empty when lines from an HTTP/1.1 upstream held
   * none that may be forwarded.
   */
  Http2Headers http2() {
    Http2Headers f = fields;
    if (f == null) {
      f = Http2Responses.trailers(lines());
      fields = f;
    }
    return f;
  }

  /** The fields as HTTP/1.1 field lines ending with the empty line, for a chunked response's end. */
  ByteBuf lines() {
    ByteBuf l = lines;
    if (l == null) {
      HeadBytes out = HeadBytes.local();
      for (Map.Entry<CharSequence, CharSequence> e : http2()) {
        out.text(e.getKey()).put(HeadBytes.COLON).text(e.getValue()).put(HeadBytes.CRLF);
      }
      out.put(HeadBytes.CRLF);
      // unpooled heap: nothing to release, and the HTTP/1.1 sink copies it into its last chunk
      l = Unpooled.wrappedBuffer(Arrays.copyOf(out.array(), out.length()));
      lines = l;
    }
    return l;
  }

  private static boolean writable(CharSequence name, CharSequence value) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c > 0x7f || !FieldBytes.tchar((byte) c)) {
        return false;
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xff || !FieldBytes.fieldValueByte((byte) c)) {
        return false;
      }
    }
    return true;
  }
}
