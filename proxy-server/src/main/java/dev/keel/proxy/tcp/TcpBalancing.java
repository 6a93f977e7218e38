package dev.keel.proxy.tcp;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.HealthChecker;
import dev.keel.proxy.config.HealthSettings;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.BalancerPicker;
import dev.keel.registry.Discovery;

/** Builds the {@link Balancer} of one tcp listener from its config. */
final class TcpBalancing {
  private TcpBalancing() {}

  /** The balancer settings a tcp listener's config implies (rebalance, and the health section as for http). */
  static BalancerConfig config(ListenerConfig config) {
    // No policy: connections are placed by the ConnectionBalancer; connects are pinned to its choice.
    BalancerConfig.Builder b = HealthSettings.apply(BalancerConfig.builder(), config.health());
    BalancerPicker.rebalance(b, config.rebalance());
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
