package dev.keel.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An http listener's balancer gets the whole health section, ejection cap and slow start included. */
class BalancerPickerConfigTest {
  private static ListenerConfig parse(String listenerLines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("registry: memory://x\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: demo\n"
        + listenerLines, null).listeners().get(0);
  }

  @Test
  void healthSectionReachesTheBalancer() {
    BalancerConfig b = BalancerPicker.config(parse("    policy: least-request\n"
        + "    health: { slow-start: 5s, panic-threshold: 0.25,\n"
        + "      passive: { consecutive-failures: 2, ejection: 20s, max-ejection: 2m, max-ejection-share: 0.5, failure-rate: 0 },\n"
        + "      active: { interval: 3s, timeout: 500ms, rise: 1, fall: 2 } }\n"));

    assertThat(b.policy()).isEqualTo("least-request");
    assertThat(b.slowStartWindow()).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.panicThreshold()).isEqualTo(0.25);
    assertThat(b.outlierConsecutiveFailures()).isEqualTo(2);
    assertThat(b.outlierBaseEjectionTime()).isEqualTo(Duration.ofSeconds(20));
    assertThat(b.outlierMaxEjectionTime()).isEqualTo(Duration.ofMinutes(2));
    assertThat(b.outlierMaxEjectionShare()).isEqualTo(0.5);
    assertThat(b.outlierFailureRate()).isZero();
    assertThat(b.healthInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(b.healthTimeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void ejectionTimesTheLoaderAcceptsBuild() {
    assertThat(BalancerPicker.config(parse("    health: { passive: { ejection: 10m } }\n")).outlierMaxEjectionTime())
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(BalancerPicker.config(parse("    health: { passive: { ejection: 0s } }\n")).outlierConsecutiveFailures())
        .isZero();
  }
}
