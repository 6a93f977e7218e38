package dev.keel.client.internal;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * One attempt of a balanced request, carried to the network interceptor as a request tag. The
 * network interceptor runs only once OkHttp holds a connection (connected, TLS done), just before the
 * request is written: if it never ran, nothing of the request left this process.
 */
final class Attempt {
  private volatile boolean sent;

  boolean sent() {
    return sent;
  }

  /** The network interceptor that marks attempts as sent; installed beside the balancing one. */
  static final class SentMarker implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
      Attempt attempt = chain.request().tag(Attempt.class);
      if (attempt != null) {
        attempt.sent = true;
      }
      return chain.proceed(chain.request());
    }
  }
}
