package dev.keel.registry;

import org.jspecify.annotations.Nullable;

/** The registry could not do what was asked: unreachable, refused, timed out. */
public class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RegistryException(String message) {
    super(message);
  }

  /** {@code cause} may be null, as for any {@link Throwable}: unknown or none. */
  public RegistryException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
