package dev.keel.client;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A call to a Keel service found no instance to send to: the registry cannot be reached and no
 * instance is known from before, the service has no registered instance, every instance is down or
 * ejected (outside panic mode), or the client was closed. Thrown from OkHttp's {@code execute()} or
 * passed to {@code onFailure}; the proxy answers 503 in this case.
 *
 * <p>The message says which service was looked up, in which registry, and why nothing came back;
 * when the registry is the reason, the cause is a {@link dev.keel.registry.RegistryException} that
 * says so.
 */
public final class NoEndpointAvailableException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String service;

  public NoEndpointAvailableException(String service, String detail) {
    this(service, detail, null);
  }

  /** {@code cause}: what made the service unavailable (an unreachable registry), or null. */
  public NoEndpointAvailableException(String service, String detail, @Nullable Throwable cause) {
    super(service + ": " + detail, cause);
    this.service = service;
  }

  /** The service that had no instance available. */
  public String service() {
    return service;
  }
}
