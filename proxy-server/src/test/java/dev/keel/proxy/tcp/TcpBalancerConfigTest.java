package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A tcp listener reads the same health section as an http one, through the same mapping. */
class TcpBalancerConfigTest {
  private static ListenerConfig parse(String listenerLines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("registry: memory://x\n"
        + "listeners:\n"
        + "  - name: chat\n"
        + "    listen: 127.0.0.1:0\n"
        + "    protocol: tcp\n"
        + "    service: chat\n"
        + listenerLines, null).listeners().get(0);
  }

  @Test
  void ejectionCapShareAndFailureRateReachTheBalancer() {
    BalancerConfig b = UpstreamPicker.config(parse("    health: { passive: { ejection: 10m, max-ejection: 1h,"
        + " max-ejection-share: 0.3, failure-rate: 0.9, minimum-requests: 5, interval: 30s } }\n"));

    assertThat(b.outlierBaseEjectionTime()).isEqualTo(Duration.ofMinutes(10));
    assertThat(b.outlierMaxEjectionTime()).isEqualTo(Duration.ofHours(1));
    assertThat(b.outlierMaxEjectionShare()).isEqualTo(0.3);
    assertThat(b.outlierFailureRate()).isEqualTo(0.9);
    assertThat(b.outlierMinimumRequests()).isEqualTo(5);
    assertThat(b.outlierInterval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void zeroEjectionMeansNoEjectionNotTheDefaultTime() {
    BalancerConfig b = UpstreamPicker.config(parse("    health: { passive: { consecutive-failures: 3, ejection: 0s } }\n"));

    assertThat(b.outlierConsecutiveFailures()).isZero();
    assertThat(b.outlierFailureRate()).isZero();
  }
}
