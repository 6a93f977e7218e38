package dev.keel.proxy.upstream;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the backend for each request of one listener: the seam between the proxy and the
 * balancing core. Picking never blocks and takes no lock; it is called on event loops. A picked
 * backend has one request counted in flight, ended by exactly one of {@link Backend#onSuccess},
 * {@link Backend#onFailure} or {@link Backend#onCancel}.
 */
public interface UpstreamPicker extends AutoCloseable {
  /**
   * A backend other than {@code exclude} when the policy offers one within a few picks, else
   * whatever it picks; null when none is available (the proxy answers 503).
   *
   * @param key the affinity key for {@code ring-hash} (client IP, cookie), or null
   */
  @Nullable Backend pick(@Nullable Backend exclude, @Nullable CharSequence key);

  /**
   * The backend whose {@link Backend#token()} is {@code token} when it is a member and healthy
   * (session persistence), else null. No request is counted in flight on it.
   */
  @Nullable Backend byToken(CharSequence token);

  /** The current members, for status and metrics. */
  List<Backend> backends();

  /** The policy name, as configured. */
  String policy();

  @Override
  void close();
}
