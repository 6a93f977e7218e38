package dev.keel.balancer;

/**
 * A load-balancing policy: a named factory of {@link Picker}s. This is Keel's SPI: a custom policy
 * implements this interface, has a public no-argument constructor and is listed in {@code
 * META-INF/services/dev.keel.balancer.BalancingPolicy}; {@link Policies#byName(String)} then finds
 * it by {@link #name()}. Built-in names cannot be overridden.
 *
 * <p>Built in: {@code round-robin}, {@code random}, {@code least-request}, {@code
 * least-response-time}, {@code ring-hash}.
 *
 * <p>{@link #newPicker} runs on the balancer's serial executor, never on the pick path, so it may
 * precompute (schedules, alias tables, rings); it must not block.
 */
public interface BalancingPolicy {
  /** The name used in configuration, e.g. {@code "round-robin"}; lower case, stable. */
  String name();

  /**
   * A picker over {@code candidates}, which is never empty and whose weights are all positive.
   */
  Picker newPicker(Candidates candidates);
}
