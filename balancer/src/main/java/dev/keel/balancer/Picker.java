package dev.keel.balancer;

import java.util.Collection;
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

  /**
   * Selects one of the candidates that is not in {@code exclude} (compared with {@code equals},
   * which for endpoints is identity), for a retry on another endpoint. The balancer calls this only
   * with a non-empty {@code exclude}; the same rules as {@link #pick(CharSequence)} apply (lock-free,
   * no allocation, no in-flight counting).
   *
   * <p>Returning null hands the choice back to the balancer, which then picks among the candidates
   * not excluded in proportion to their effective weights (and answers null only when every
   * candidate is excluded). So an override need only be good at the common case and may give up
   * after a bounded effort; it must never return an excluded endpoint (the balancer checks).
   *
   * <p>The default keeps custom policies working unchanged: it takes {@link #pick(CharSequence)
   * pick(key)} when that is not excluded, else re-draws up to 7 times with {@code pick(null)} (the
   * keyed choice is the excluded one), then gives up. Built-in policies override it: bounded
   * re-draws for {@code random}, {@code least-request} and {@code least-response-time}, the next
   * slot of the schedule for {@code round-robin}, the next distinct endpoint clockwise for {@code
   * ring-hash}.
   *
   * @param key as for {@link #pick(CharSequence)}
   * @param exclude endpoints that must not be returned; never empty
   * @return a candidate not in {@code exclude}, or null to let the balancer choose
   */
  default @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
    Endpoint e = pick(key);
    for (int draw = 1; e != null && exclude.contains(e) && draw < 8; draw++) {
      e = pick(null);
    }
    return e == null || exclude.contains(e) ? null : e;
  }
}
