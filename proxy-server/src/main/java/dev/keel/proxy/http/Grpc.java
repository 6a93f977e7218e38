package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * What the proxy knows of gRPC (its HTTP/2 protocol, grpc/grpc PROTOCOL-HTTP2.md): which requests
 * are gRPC calls, what their {@code grpc-timeout} says, and how the proxy's own errors are told to
 * a gRPC client: as a status in trailers, never as a plain HTTP error, which clients would turn
 * into a vague UNKNOWN or INTERNAL. Stateless.
 */
final class Grpc {
  static final AsciiString CONTENT_TYPE = AsciiString.cached("application/grpc");
  static final AsciiString STATUS = AsciiString.cached("grpc-status");
  static final AsciiString MESSAGE = AsciiString.cached("grpc-message");
  static final AsciiString TIMEOUT = AsciiString.cached("grpc-timeout");
  static final AsciiString TRAILERS = AsciiString.cached("trailers");

  /** gRPC status codes the proxy answers with. */
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;
  static final int DEADLINE_EXCEEDED = 4;
  static final int RESOURCE_EXHAUSTED = 8;
  static final int UNIMPLEMENTED = 12;
  static final int UNKNOWN = 2;

  /** Longest grpc-timeout: 8 digits of hours, as the spec allows; beyond that, no deadline. */
  private static final long MAX_TIMEOUT_NANOS = TimeUnit.HOURS.toNanos(99_999_999L);

  private Grpc() {}

  /** True for {@code application/grpc}, {@code application/grpc+proto}, {@code application/grpc;...}, any case. */
  static boolean isGrpc(CharSequence contentType) {
    int n = CONTENT_TYPE.length();
    if (contentType.length() < n || !AsciiString.regionMatches(contentType, true, 0, CONTENT_TYPE, 0, n)) {
      return false;
    }
    return contentType.length() == n || contentType.charAt(n) == '+' || contentType.charAt(n) == ';';
  }

  /**
   * The deadline {@code grpc-timeout} gives, in nanoseconds from now: 1 to 8 digits and a unit
   * ({@code H M S m u n}); -1 when the value is not one (the call then has no deadline of its own).
   */
  static long timeoutNanos(CharSequence value) {
    int n = value.length();
    if (n < 2 || n > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < n - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    TimeUnit unit = switch (value.charAt(n - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      case 'n' -> TimeUnit.NANOSECONDS;
      default -> null;
    };
    return unit == null ? -1 : Math.min(unit.toNanos(amount), MAX_TIMEOUT_NANOS);
  }

  /**
   * The gRPC status for an answer the proxy makes ({@code status}: 4xx, 502, 503, 504), as gRPC's
   * own HTTP-to-status mapping reads them: an instance unreachable, reset or absent is UNAVAILABLE
   * (clients may retry it), a proxy timeout DEADLINE_EXCEEDED, a refused request INTERNAL or
   * RESOURCE_EXHAUSTED, no route UNIMPLEMENTED.
   */
  static int statusFor(HttpResponseStatus status) {
    return switch (status.code()) {
      case 502, 503 -> UNAVAILABLE;
      case 504, 408 -> DEADLINE_EXCEEDED;
      case 413, 414, 431, 429 -> RESOURCE_EXHAUSTED;
      case 404 -> UNIMPLEMENTED;
      case 400, 405, 417 -> INTERNAL;
      default -> UNKNOWN;
    };
  }

  /** Why, in words a person reads in the client's exception. */
  static String messageFor(HttpResponseStatus status) {
    return switch (status.code()) {
      case 503 -> "keel-proxy: no instance available";
      case 502 -> "keel-proxy: the instance closed or reset the call";
      case 504 -> "keel-proxy: no response from the instance in time";
      case 408 -> "keel-proxy: the call's deadline passed";
      default -> "keel-proxy: " + status.code() + " " + status.reasonPhrase();
    };
  }

  /**
   * A trailers-only response (HTTP 200, END_STREAM on the one HEADERS frame) with {@code code} and
   * {@code message}, as a gRPC server fails a call before any message.
   */
  static Http2Headers trailersOnly(int code, String message) {
    return new DefaultHttp2Headers(false, 4).status(HttpResponseStatus.OK.codeAsText())
        .set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
        .setInt(STATUS, code)
        .set(MESSAGE, percentEncode(message));
  }

  /** Trailers ending a response whose head went out already: the status the call ends with. */
  static Http2Headers trailers(int code, String message) {
    return new DefaultHttp2Headers(false, 2).setInt(STATUS, code).set(MESSAGE, percentEncode(message));
  }

  /** grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself. */
  static String percentEncode(String message) {
    byte[] b = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(b.length);
    for (byte x : b) {
      int c = x & 0xff;
      if (c < 0x20 || c > 0x7e || c == '%') {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }
}
