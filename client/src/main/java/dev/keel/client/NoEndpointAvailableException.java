package dev.keel.client;

import java.io.IOException;

/**
 * A call to a Keel service found no instance to send to: the service has no registered instance,
 * every instance is down or ejected (outside panic mode), or the client was closed. Thrown from
 * OkHttp's {@code execute()} or passed to {@code onFailure}; the proxy answers 503 in this case.
 */
public final class NoEndpointAvailableException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String service;

  public NoEndpointAvailableException(String service, String detail) {
    super(service + ": " + detail);
    this.service = service;
  }

  /** The service that had no instance available. */
  public String service() {
    return service;
  }
}
