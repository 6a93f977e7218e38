package dev.keel.proxy.http;

import java.io.IOException;

/**
 * The cause an upstream reports ({@code UpstreamListener.upstreamFailed}) when the instance is known
 * not to have processed the request: an HTTP/2 stream refused (RST_STREAM REFUSED_STREAM) or above
 * the last stream id of the instance's GOAWAY (RFC 9113 §8.7). Such a request may be sent again
 * whatever its method, as long as the proxy still has all of it (its body within the retry buffer).
 */
public final class UnprocessedException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnprocessedException(String message) {
    super(message);
  }
}
