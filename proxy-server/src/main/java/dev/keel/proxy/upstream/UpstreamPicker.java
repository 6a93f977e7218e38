package dev.keel.proxy.upstream;

import dev.keel.balancer.Endpoint;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the backend for each request of one listener: the seam between the proxy and the
 * balancing core. Picking never blocks and takes no lock; it is called on event loops. A backend
 * returned by {@link #pick}, {@link #pickExcluding} or {@link #pin} has one request counted in
 * flight, ended by exactly one of {@link Backend#onSuccess}, {@link Backend#onFailure} or {@link
 * Backend#onCancel}.
 */
public interface UpstreamPicker extends AutoCloseable {
  /**
   * A backend other than {@code exclude} when another is available, else whatever the policy
   * picks; null when none is available (the proxy answers 503).
   *
   * @param key the affinity key for {@code ring-hash} (client IP, cookie), or null
   */
  @Nullable Backend pick(@Nullable Backend exclude, @Nullable CharSequence key);

  /**
   * A backend for a retry: never one whose endpoint is in {@code tried}; null when every available
   * backend was tried (or none is available). With ring-hash the same {@code key} walks on to the
   * next distinct backend, so every retry of one key lands on the same second choice.
   *
   * <p>The default, for pickers that cannot exclude, is {@code pick(null, key)}.
   *
   * @param key the affinity key, as for {@link #pick}, kept on retries
   * @param tried the endpoints of the backends already tried for the request; never empty
   */
  default @Nullable Backend pickExcluding(@Nullable CharSequence key, Collection<? extends Endpoint> tried) {
    return pick(null, key);
  }

  /**
   * The backend whose {@link Backend#token()} is {@code token} (session persistence), with one
   * request counted in flight on it like a pick, when it is a member and available (healthy, not
   * ejected; in the balancer's panic mode any member); else null, and the caller picks.
   *
   * <p>The default, for pickers that cannot count a request on a chosen backend, is null.
   */
  default @Nullable Backend pin(CharSequence token) {
    return null;
  }

  /**
   * The backend of {@code endpoint} (placed by a connection balancer) with one request counted in
   * flight on it, while it is available; else null. The default, for pickers without endpoints, is null.
   */
  default @Nullable Backend pin(Endpoint endpoint) {
    return null;
  }

  /**
   * The backend whose {@link Backend#token()} is {@code token} when it is a member and healthy,
   * else null. No request is counted in flight on it: to send one there, use {@link #pin}.
   */
  @Nullable Backend byToken(CharSequence token);

  /** The current members, for status and metrics. */
  List<Backend> backends();

  /** The policy name, as configured. */
  String policy();

  /**
   * True while the backends come from the registry's snapshot cache because the registry could
   * not be reached. The default, for pickers without a registry, is false.
   */
  default boolean stale() {
    return false;
  }

  /**
   * True while fewer than the panic threshold of members are available, so every member is picked
   * from, down or ejected ones included. The default, for pickers without a balancer, is false.
   */
  default boolean panic() {
    return false;
  }

  @Override
  void close();
}
