package dev.keel.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An http listener's balancer gets the whole health section, ejection cap and slow start included. */
class UpstreamPickerConfigTest {
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
    BalancerConfig b = UpstreamPicker.config(parse("    policy: least-request\n"
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
    assertThat(UpstreamPicker.config(parse("    health: { passive: { ejection: 10m } }\n")).outlierMaxEjectionTime())
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(UpstreamPicker.config(parse("    health: { passive: { ejection: 0s } }\n")).outlierConsecutiveFailures())
        .isZero();
  }

  @Test
  void clientIpPersistenceHashesAndATcpListenerLeavesPlacementToItsConnectionBalancer() {
    assertThat(UpstreamPicker.config(parse("    persistence: { type: client-ip }\n")).policy()).isEqualTo("ring-hash");
    ListenerConfig tcp = new ConfigLoader(Map.<String, String>of()::get).parse("registry: memory://x\n"
        + "listeners:\n"
        + "  - name: chat\n"
        + "    listen: 127.0.0.1:0\n"
        + "    protocol: tcp\n"
        + "    service: chat\n", null).listeners().get(0);
    try (dev.keel.registry.RegistryClient registry = dev.keel.registry.Registries.open("static://127.0.0.1:1");
        UpstreamPicker p = UpstreamPicker.start(tcp, registry)) {
      assertThat(p.policy()).isEqualTo("least-connections");
      assertThat(p.backends()).extracting(Backend::addressText).containsExactly("127.0.0.1:1");
    }
  }
}
