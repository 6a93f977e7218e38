package dev.keel.balancer;

import org.jspecify.annotations.Nullable;

/**
 * An immutable selection rule over one fixed set of {@link Candidates}. The balancer builds a new
 * picker whenever membership, health, ejection or slow-start weights change and publishes it with
 * one volatile write.
 *
 * <p>Implementations must be thread-safe without locks, must not allocate on {@link #pick}, and
 * must not count the request in flight (the balancer does that for the endpoint returned).
 */
@FunctionalInterface
public interface Picker {
  /**
   * Selects one of the candidates.
   *
   * @param key an affinity key for hashing policies (client IP, header or cookie value); null means
   *     none, and policies that need one pick as if the key were random. Other policies ignore it.
   * @return one of {@link Candidates#endpoint(int)}, or null when no candidate can take the request
   */
  @Nullable Endpoint pick(@Nullable CharSequence key);
}
