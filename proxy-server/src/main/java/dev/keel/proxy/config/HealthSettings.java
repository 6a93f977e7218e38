package dev.keel.proxy.config;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.config.ListenerConfig.Health;

/**
 * Maps a listener's {@code health} section onto the balancer's settings. The one place this is
 * done: every listener ({@code UpstreamPicker.config}, http and tcp alike) and the
 * loader's final check all call it, so a file {@code keel-proxy check} accepts is one every
 * listener can start with.
 */
public final class HealthSettings {
  private HealthSettings() {}

  /**
   * Sets passive ejection, slow start, panic threshold and (when present) active checks on {@code b}.
   *
   * @throws IllegalArgumentException naming the balancer field when a value is out of its range;
   *     the loader rejects such values with their line before this is reached
   */
  public static BalancerConfig.Builder apply(BalancerConfig.Builder b, Health h) {
    Health.Passive p = h.passive();
    if (p.enabled()) {
      b.outlierConsecutiveFailures(p.consecutiveFailures())
          .outlierFailureRate(p.failureRate())
          .outlierBaseEjectionTime(p.ejection())
          .outlierMaxEjectionTime(p.maxEjection());
    } else {
      // "ejection: 0s" means no passive ejection. The balancer needs a base time > 0, so both of
      // its triggers are turned off instead and its ejection times stay at their (unused) defaults.
      b.outlierConsecutiveFailures(0).outlierFailureRate(0);
    }
    b.outlierMaxEjectionShare(p.maxEjectionShare())
        .outlierMinimumRequests(p.minimumRequests())
        .outlierInterval(p.interval())
        .slowStartWindow(h.slowStart())
        .panicThreshold(h.panicThreshold());
    Health.Active a = h.active();
    if (a != null) {
      b.healthInterval(a.interval()).healthTimeout(a.timeout()).healthRise(a.rise()).healthFall(a.fall());
    }
    return b;
  }
}
