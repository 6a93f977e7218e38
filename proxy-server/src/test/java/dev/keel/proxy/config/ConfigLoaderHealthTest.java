package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancerConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code health} section: slow start, the ejection cap and share, failure-rate ejection, and
 * every value the balancer cannot take refused at load time (so {@code check} and start agree).
 */
class ConfigLoaderHealthTest {
  private static final String LISTENER = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:8080\n"
      + "    service: demo\n";

  private static ListenerConfig.Health health(String healthYaml) {
    return parse(LISTENER + "    health:\n" + healthYaml).listeners().get(0).health();
  }

  private static ProxyConfig parse(String yaml) {
    return new ConfigLoader(Map.of("EJECT", "0s")::get).parse(yaml, null);
  }

  private static BalancerConfig balancer(ListenerConfig.Health h) {
    return HealthSettings.apply(BalancerConfig.builder(), h).build();
  }

  @Test
  void absentKeysKeepTheBalancerDefaults() {
    ListenerConfig.Health h = parse(LISTENER).listeners().get(0).health();
    BalancerConfig b = balancer(h);
    BalancerConfig d = BalancerConfig.defaults();

    assertThat(h.slowStart()).isEqualTo(Duration.ofSeconds(30));
    assertThat(b.slowStartWindow()).isEqualTo(d.slowStartWindow());
    assertThat(b.outlierMaxEjectionTime()).isEqualTo(d.outlierMaxEjectionTime());
    assertThat(b.outlierMaxEjectionShare()).isEqualTo(d.outlierMaxEjectionShare());
    assertThat(b.outlierFailureRate()).isEqualTo(d.outlierFailureRate());
    assertThat(b.outlierMinimumRequests()).isEqualTo(d.outlierMinimumRequests());
    assertThat(b.outlierInterval()).isEqualTo(d.outlierInterval());
    assertThat(b.outlierConsecutiveFailures()).isEqualTo(5);
  }

  @Test
  void everyNewKeyReachesTheBalancer() {
    ListenerConfig.Health h = health("      slow-start: 0s\n"
        + "      passive:\n"
        + "        consecutive-failures: 3\n"
        + "        ejection: 10s\n"
        + "        max-ejection: 2m\n"
        + "        max-ejection-share: 0.5\n"
        + "        failure-rate: 0.25\n"
        + "        minimum-requests: 40\n"
        + "        interval: 20s\n");
    BalancerConfig b = balancer(h);

    assertThat(b.slowStartWindow()).isZero();
    assertThat(b.outlierConsecutiveFailures()).isEqualTo(3);
    assertThat(b.outlierBaseEjectionTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.outlierMaxEjectionTime()).isEqualTo(Duration.ofMinutes(2));
    assertThat(b.outlierMaxEjectionShare()).isEqualTo(0.5);
    assertThat(b.outlierFailureRate()).isEqualTo(0.25);
    assertThat(b.outlierMinimumRequests()).isEqualTo(40);
    assertThat(b.outlierInterval()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void anEjectionLongerThan300sRaisesTheCapWhenNoneIsSet() {
    ListenerConfig.Health h = health("      passive: { ejection: 10m }\n");

    assertThat(h.passive().maxEjection()).isEqualTo(Duration.ofMinutes(10));
    assertThat(balancer(h).outlierBaseEjectionTime()).isEqualTo(Duration.ofMinutes(10));
    assertThat(balancer(h).outlierMaxEjectionTime()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void zeroEjectionTurnsPassiveEjectionOff() {
    ListenerConfig.Health h = health("      passive: { consecutive-failures: 5, ejection: 0s, max-ejection: 1s }\n");
    BalancerConfig b = balancer(h);

    assertThat(h.passive().enabled()).isFalse();
    assertThat(b.outlierConsecutiveFailures()).isZero();
    assertThat(b.outlierFailureRate()).isZero();
  }

  @Test
  void zeroEjectionFromTheEnvironmentTurnsItOffToo() {
    assertThat(health("      passive: { ejection: '${EJECT}' }\n").passive().enabled()).isFalse();
  }

  @Test
  void aCapBelowTheEjectionIsRefusedWithLineKeyAndValue() {
    assertThatThrownBy(() -> health("      passive:\n        ejection: 10m\n        max-ejection: 5m\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("line 9: listeners[0].health.passive.max-ejection: '5m' (expected: at least ejection, '10m')");
  }

  @Test
  void aCapBelowTheDefaultEjectionNamesTheDefault() {
    assertThatThrownBy(() -> health("      passive: { max-ejection: 10s }\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("line 7: listeners[0].health.passive.max-ejection: '10s' (expected: at least ejection, 30s by default)");
  }

  @Test
  void zeroWhereTheBalancerNeedsMoreIsRefused() {
    assertThatThrownBy(() -> health("      passive: { max-ejection: 0s }\n"))
        .hasMessage("line 7: listeners[0].health.passive.max-ejection: '0s' (expected: a duration above 0 like 500ms, 5s, 1m)");
    assertThatThrownBy(() -> health("      passive: { interval: 0ms }\n"))
        .hasMessage("line 7: listeners[0].health.passive.interval: '0ms' (expected: a duration above 0 like 500ms, 5s, 1m)");
    assertThatThrownBy(() -> health("      active: { interval: 0s }\n"))
        .hasMessage("line 7: listeners[0].health.active.interval: '0s' (expected: a duration above 0 like 500ms, 5s, 1m)");
    assertThatThrownBy(() -> health("      active: { timeout: 0s }\n"))
        .hasMessage("line 7: listeners[0].health.active.timeout: '0s' (expected: a duration above 0 like 500ms, 5s, 1m)");
  }

  @Test
  void outOfRangeNumbersAreRefusedWithTheirRange() {
    assertThatThrownBy(() -> health("      passive: { max-ejection-share: 1.5 }\n"))
        .hasMessage("line 7: listeners[0].health.passive.max-ejection-share: '1.5' (expected: a number in 0.0..1.0)");
    assertThatThrownBy(() -> health("      passive: { failure-rate: -0.1 }\n"))
        .hasMessage("line 7: listeners[0].health.passive.failure-rate: '-0.1' (expected: a number in 0.0..1.0)");
    assertThatThrownBy(() -> health("      passive: { minimum-requests: 0 }\n"))
        .hasMessage("line 7: listeners[0].health.passive.minimum-requests: '0' (expected: an integer in 1..1000000)");
    assertThatThrownBy(() -> health("      slow-start: soon\n"))
        .hasMessage("line 7: listeners[0].health.slow-start: 'soon' (expected: a duration such as 500ms, 5s, 1m, 1h30m, 1d or PT5S)");
  }

  @Test
  void aMisspelledNewKeyGetsASuggestion() {
    assertThatThrownBy(() -> health("      passive: { max-ejections: 1m }\n"))
        .hasMessageContaining("listeners[0].health.passive.max-ejections: unknown key; did you mean 'max-ejection'?");
  }
}
