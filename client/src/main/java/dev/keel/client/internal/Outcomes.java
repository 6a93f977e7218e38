package dev.keel.client.internal;

import dev.keel.balancer.FailureKind;
import java.io.InterruptedIOException;
import java.io.IOException;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * What a failed attempt was, and whether it may be tried again elsewhere.
 *
 * <p>The rules (RFC 9110 §9.2.2; nginx never re-sends a POST once sent):
 * <ul>
 *   <li>An attempt whose request never reached a connection (refused, unreachable, connect timeout,
 *       TLS handshake failure) is a {@link FailureKind#CONNECT} failure: nothing was sent, so any
 *       method may be retried.
 *   <li>Once the request was handed to a connection, a timeout is {@link FailureKind#TIMEOUT} and any
 *       other I/O error is {@link FailureKind#RESET}. These, and a 503, are retried only for
 *       idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) whose body can be sent again.
 * </ul>
 * "Handed to a connection" is known exactly, not guessed from exception types: the network
 * interceptor marks the attempt before OkHttp writes a byte.
 */
public final class Outcomes {
  private Outcomes() {}

  /** The failure kind of an attempt that threw {@code e}; {@code sent} as marked by the network interceptor. */
  public static FailureKind classify(IOException e, boolean sent) {
    if (!sent) {
      return FailureKind.CONNECT;
    }
    // SocketTimeoutException is an InterruptedIOException; OkHttp's own timeouts are too.
    return e instanceof InterruptedIOException ? FailureKind.TIMEOUT : FailureKind.RESET;
  }

  /** The kind of a failure while reading a response body (the request was sent). */
  public static FailureKind classifyBodyFailure(IOException e) {
    return classify(e, true);
  }

  /** RFC 9110 §9.2.2 idempotent methods. */
  public static boolean idempotent(String method) {
    switch (method) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "TRACE":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return false;
    }
  }

  /** True when an attempt that failed with {@code kind} may be retried on another instance. */
  public static boolean retryable(FailureKind kind, Request request) {
    if (kind == FailureKind.CONNECT) {
      return true; // nothing was sent
    }
    if (kind == FailureKind.OTHER || !idempotent(request.method())) {
      return false;
    }
    RequestBody body = request.body();
    return body == null || !body.isOneShot();
  }

  /** True when a response to {@code method} with {@code code} has no body, whatever its headers say. */
  static boolean bodyless(String method, int code) {
    return method.equals("HEAD") || code == 204 || code == 304;
  }

  /** True when a response with {@code code} counts as a failure of the endpoint. */
  public static boolean failureStatus(int code) {
    return code >= 500 && code <= 599;
  }
}
