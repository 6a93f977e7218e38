package dev.keel.proxy.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Reads a request head (RFC 9112 §3, §5) from an array holding exactly it, request line through
 * the empty line, into a Netty {@link HttpRequest}: the method a shared constant when standard,
 * the version a constant, names shared {@link AsciiString}s where {@link FieldNames} knows their
 * spelling, and every value an {@code AsciiString} view over the array (which the request then
 * owns: one copy of the head per request). The header map is Netty's, unvalidated: this class
 * validated every byte. Also reads trailer sections. Reused per connection; confined to its event
 * loop.
 *
 * <p>Refused (null, with {@link #problem()}): a request line other than {@code method SP target SP
 * HTTP/d.d CRLF}, a control byte in the target, a line not ended by CRLF, obsolete line folding, a
 * field name not a token or followed by anything but {@code :}, a control byte in a value,
 * Content-Length not one plain decimal number or given twice, Transfer-Encoding other than one
 * {@code chunked} in HTTP/1.1, and both Transfer-Encoding and Content-Length.
 */
final class RequestHeadReader {
  static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
      .withNameValidation(false).withValueValidation(false); // this class checked every byte
  static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory()
      .withNameValidation(false).withValueValidation(false);
  private static final HttpMethod[] METHODS = {
    HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.HEAD,
    HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE, HttpMethod.CONNECT};

  private final FieldBytes.Elements elements = new FieldBytes.Elements();
  private @Nullable String problem;
  private long contentLength;
  private boolean transferEncoding;

  /** Why the last read refused what it read. */
  String problem() {
    return problem == null ? "" : problem;
  }

  /** The request's Content-Length, -1 when it has none. Valid after a successful {@link #read}. */
  long contentLength() {
    return contentLength;
  }

  /** The request's body is chunked. Valid after a successful {@link #read}. */
  boolean chunked() {
    return transferEncoding;
  }

  /** The request in h[0, n) (its empty line the last bytes), or null when it is malformed. */
  @Nullable HttpRequest read(byte[] h, int n) {
    problem = null;
    contentLength = -1;
    transferEncoding = false;
    int lf = FieldBytes.indexOf(h, 0, n, (byte) '\n');
    if (lf <= 0 || h[lf - 1] != '\r') {
      return refuse("request line not ended by CRLF", h, 0, Math.max(lf, 0));
    }
    int eol = lf - 1;
    int m = 0;
    while (m < eol && FieldBytes.tchar(h[m])) {
      m++;
    }
    if (m == 0 || m == eol || h[m] != ' ') {
      return refuse("method", h, 0, eol);
    }
    int t = m + 1;
    int te = t;
    while (te < eol && h[te] != ' ') {
      byte b = h[te];
      if ((b >= 0 && b < 0x21) || b == 0x7f) {
        return refuse("control character in the request target", h, 0, eol); // RFC 3986 allows none
      }
      te++;
    }
    int v = te + 1;
    if (te == t || eol - v != 8 || h[v] != 'H' || h[v + 1] != 'T' || h[v + 2] != 'T' || h[v + 3] != 'P'
        || h[v + 4] != '/' || !digit(h[v + 5]) || h[v + 6] != '.' || !digit(h[v + 7])) {
      return refuse("request line", h, 0, eol);
    }
    HttpVersion version = version(h[v + 5] - '0', h[v + 7] - '0');
    DefaultHttpRequest req = new DefaultHttpRequest(version, method(h, m),
        new String(h, t, te - t, StandardCharsets.ISO_8859_1), HEADERS);
    if (!fields(h, lf + 1, n, req.headers(), false)) {
      return null;
    }
    if (transferEncoding && contentLength >= 0) {
      // RFC 9112 §6.1 lets a server repair this; a proxy in front of other parsers must not
      return refuse("both Transfer-Encoding and Content-Length");
    }
    if (transferEncoding && !HttpVersion.HTTP_1_1.equals(version)) {
      return refuse("Transfer-Encoding in a request other than HTTP/1.1"); // RFC 9112 §6.1: faulty framing in 1.0
    }
    return req;
  }

  /**
   * Reads the field lines in h[from, n), up to and including the empty line, into {@code into}
   * (for a trailer section: without Content-Length, Transfer-Encoding and Trailer, which Netty's
   * decoder drops there too). False, with {@link #problem()}, when a line is malformed.
   */
  boolean fields(byte[] h, int from, int n, HttpHeaders into, boolean trailer) {
    int p = from;
    while (true) {
      int lf = FieldBytes.indexOf(h, p, n, (byte) '\n');
      if (lf < 0) {
        refuse("header block not ended by an empty line");
        return false;
      }
      if (lf == p || h[lf - 1] != '\r') {
        refuse("line not ended by CRLF", h, p, lf);
        return false;
      }
      int eol = lf - 1;
      if (eol == p) {
        return true;
      }
      if (h[p] == ' ' || h[p] == '\t') {
        refuse("obsolete line folding in the header block", h, p, eol);
        return false;
      }
      int colon = p;
      while (colon < eol && FieldBytes.tchar(h[colon])) {
        colon++;
      }
      if (colon == p || colon == eol || h[colon] != ':') {
        refuse("field name", h, p, eol);
        return false;
      }
      int vs = FieldBytes.skipOws(h, colon + 1, eol);
      int ve = FieldBytes.backOws(h, vs, eol);
      for (int i = vs; i < ve; i++) {
        if (!FieldBytes.fieldValueByte(h[i])) {
          refuse("field value", h, p, eol);
          return false;
        }
      }
      if (!trailer) {
        framing(h, p, colon, vs, ve);
        if (problem != null) {
          return false;
        }
      }
      if (!trailer || !framingName(h, p, colon)) {
        into.add(FieldNames.of(h, p, colon), new AsciiString(h, vs, ve - vs, false));
      }
      p = lf + 1;
    }
  }

  /** Content-Length, Transfer-Encoding or Trailer: a trailer section may not carry them. */
  private static boolean framingName(byte[] h, int name, int colon) {
    int len = colon - name;
    return (len == 14 && FieldBytes.is(h, name, "content-length"))
        || (len == 17 && FieldBytes.is(h, name, "transfer-encoding"))
        || (len == 7 && FieldBytes.is(h, name, "trailer"));
  }

  /** Notes Content-Length and Transfer-Encoding, refusing what is wrong with them. */
  private void framing(byte[] h, int name, int colon, int vs, int ve) {
    int len = colon - name;
    if (len == 14 && FieldBytes.is(h, name, "content-length")) {
      long value = FieldBytes.contentLength(h, vs, ve, elements, false); // no lists: one number
      if (value < 0 || contentLength >= 0) {
        refuse("Content-Length", h, name, ve); // invalid, or a second one (even an equal one: Netty refuses it as configured)
      }
      contentLength = value;
      return;
    }
    if (len == 17 && FieldBytes.is(h, name, "transfer-encoding")) {
      // one line, exactly "chunked": the only coding a request may use here (RequestHead refuses
      // others), and Netty's decoder refuses a list or a second line too
      if (transferEncoding || ve - vs != 7 || !FieldBytes.is(h, vs, "chunked")) {
        refuse("Transfer-Encoding", h, name, ve);
      }
      transferEncoding = true;
    }
  }

  private @Nullable HttpRequest refuse(String why) {
    problem = why;
    return null;
  }

  /** Refuses, quoting the offending line h[from, to) (at most 100 bytes) as received: the log escapes it. */
  private @Nullable HttpRequest refuse(String why, byte[] h, int from, int to) {
    int n = Math.min(to - from, 100);
    problem = why + ": '" + new String(h, from, n, StandardCharsets.ISO_8859_1) + (to - from > n ? "...'" : "'");
    return null;
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static HttpVersion version(int major, int minor) {
    if (major == 1 && minor == 1) {
      return HttpVersion.HTTP_1_1;
    }
    if (major == 1 && minor == 0) {
      return HttpVersion.HTTP_1_0;
    }
    return new HttpVersion("HTTP", major, minor, true); // well formed, not ours: RequestHead answers 505
  }

  private static HttpMethod method(byte[] h, int length) {
    for (HttpMethod m : METHODS) {
      AsciiString name = m.asciiName();
      if (name.length() == length && java.util.Arrays.equals(name.array(), name.arrayOffset(),
          name.arrayOffset() + length, h, 0, length)) {
        return m;
      }
    }
    return HttpMethod.valueOf(new String(h, 0, length, StandardCharsets.ISO_8859_1));
  }
}
