package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A typed slot for data a transport keeps per {@link Endpoint} (gRPC carries per-subchannel data in
 * {@code Attributes}; Netty channels in {@code AttributeKey}s): the proxy's resolved address and its
 * upstream connection count, a client's per-instance connection pool. {@link
 * Endpoint#attachment(AttachmentKey)} creates the value with {@link #create}'s {@code init} the
 * first time it is asked for on an endpoint, exactly once, and returns that same value for as long
 * as the endpoint lives (its state survives membership updates by id), so no second map keyed by
 * endpoint has to be kept in step with the balancer.
 *
 * <p>Create keys once, as constants: every key takes one slot, for good, in each endpoint that is
 * asked for it, and at most {@value #MAX_KEYS} keys can exist. Thread-safe.
 *
 * @param <T> the attached value's type
 */
public final class AttachmentKey<T> {
  /** The most keys that can be created (they are meant to be constants). */
  public static final int MAX_KEYS = 256;
  private static final AtomicInteger NEXT = new AtomicInteger();

  private final String name;
  private final Function<? super Endpoint, ? extends T> init;
  final int index;

  private AttachmentKey(String name, Function<? super Endpoint, ? extends T> init, int index) {
    this.name = name;
    this.init = init;
    this.index = index;
  }

  /**
   * A new key.
   *
   * @param name for messages and {@link #toString()}
   * @param init makes the value for an endpoint, the first time the endpoint is asked for it; runs
   *     at most once per endpoint, under that endpoint's lock, on the asking thread: keep it short,
   *     never block, and do not ask the same endpoint for another attachment from it. It must not
   *     return null.
   * @throws IllegalStateException when {@value #MAX_KEYS} keys exist already
   */
  public static <T> AttachmentKey<T> create(String name, Function<? super Endpoint, ? extends T> init) {
    requireNonNull(name, "name");
    requireNonNull(init, "init");
    int index = NEXT.getAndIncrement();
    if (index >= MAX_KEYS) {
      throw new IllegalStateException("attachment keys: " + (index + 1) + " (expected: at most " + MAX_KEYS
          + "; create keys once, as constants)");
    }
    return new AttachmentKey<>(name, init, index);
  }

  /** Makes the value for {@code endpoint}; called by the endpoint, once. */
  T init(Endpoint endpoint) {
    T value = init.apply(endpoint);
    if (value == null) {
      throw new IllegalStateException("attachment " + name + ": init returned null for " + endpoint.id());
    }
    return value;
  }

  /** {@code value} as this key's type: only this key ever stores a value at its index. */
  @SuppressWarnings("unchecked")
  T cast(Object value) {
    return (T) value;
  }

  @Override
  public String toString() {
    return "AttachmentKey{" + name + "}";
  }
}
