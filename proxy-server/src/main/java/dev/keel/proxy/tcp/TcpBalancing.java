package dev.keel.proxy.tcp;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.HealthChecker;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.BalancerPicker;
import dev.keel.registry.Discovery;
import java.time.Duration;

/** Builds the {@link Balancer} of one tcp listener from its config. */
final class TcpBalancing {
  private TcpBalancing() {}

  /** The balancer settings a tcp listener's config implies (rebalance, passive and active health). */
  static BalancerConfig config(ListenerConfig config) {
    ListenerConfig.Health.Passive passive = config.health().passive();
    Duration maxEjection = passive.ejection().compareTo(Duration.ofSeconds(300)) > 0 ? passive.ejection() : Duration.ofSeconds(300);
    // No policy: connections are placed by the ConnectionBalancer; connects are pinned to its choice.
    BalancerConfig.Builder b = BalancerConfig.builder()
        .outlierConsecutiveFailures(passive.consecutiveFailures())
        .outlierMaxEjectionTime(maxEjection);
    BalancerPicker.rebalance(b, config.rebalance());
    if (!passive.ejection().isZero()) {
      b.outlierBaseEjectionTime(passive.ejection());
    }
    ListenerConfig.Health.Active active = config.health().active();
    if (active != null) {
      b.healthInterval(active.interval()).healthTimeout(active.timeout()).healthRise(active.rise()).healthFall(active.fall());
    }
    return b.build();
  }

  /** A started balancer over {@code config.service()}; the caller closes it. */
  static Balancer start(ListenerConfig config, Discovery discovery) {
    Balancer.Builder b = Balancer.builder(discovery, config.service()).config(config(config));
    ListenerConfig.Health.Active active = config.health().active();
    if (active != null) {
      b.healthChecker(active.path() == null ? HealthChecker.tcp() : HealthChecker.http(active.path()));
    }
    return b.build();
  }
}
