package dev.keel.client.internal;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * A request body that tells OkHttp it cannot be sent twice. Keel wraps the body of every
 * non-idempotent request to a service with it, so that OkHttp's own transparent retry
 * ({@code retryOnConnectionFailure}) does not re-send a POST once its bytes may have left; a
 * failure before sending still lets OkHttp try the next route, and Keel the next instance.
 */
final class OneShotBody extends RequestBody {
  private final RequestBody delegate;

  OneShotBody(RequestBody delegate) {
    this.delegate = delegate;
  }

  @Override
  public @Nullable MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() throws IOException {
    return delegate.contentLength();
  }

  @Override
  public boolean isDuplex() {
    return delegate.isDuplex();
  }

  @Override
  public boolean isOneShot() {
    return true;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    delegate.writeTo(sink);
  }
}
