package dev.keel.reliability.support;

import com.google.errorprone.annotations.concurrent.GuardedBy;

/**
 * The part of {@link RegistryFixture} that is the same for every registry: {@link #close()} runs
 * once, however often it is called, because a scenario may close the fixture itself and a
 * {@link Cluster} that owns it closes it again.
 */
abstract class OnceClosedFixture implements RegistryFixture {
  @GuardedBy("this")
  private boolean closed;

  /** Stops the server and releases the raw client and files; called at most once. */
  protected abstract void closeOnce();

  @Override
  public final synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeOnce();
  }

  /** {@code base} with the short resolve timeout every scenario wants, then {@code extraParams} (or nothing). */
  protected static String withParams(String base, String extraParams) {
    return base + "?resolve-timeout=2s" + (extraParams.isEmpty() ? "" : "&" + extraParams);
  }
}
