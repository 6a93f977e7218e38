package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.config.ConfigException;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The listener keys tcp listeners read, through the shared config machinery, and what the balancer gets. */
class TcpConfigTest {
  private static ListenerConfig parse(String listenerLines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("registry: memory://x\n"
        + "listeners:\n"
        + "  - name: db\n"
        + "    listen: 127.0.0.1:0\n"
        + "    protocol: tcp\n"
        + "    service: pg\n"
        + listenerLines, null).listeners().get(0);
  }

  @Test
  void defaults() {
    ListenerConfig l = parse("");
    assertThat(l.maxConnections()).isZero();
    assertThat(l.proxyProtocol()).isEqualTo("none");
    assertThat(l.rebalance().enabled()).isTrue();
    assertThat(l.rebalance().tolerance()).isEqualTo(0.10);
  }

  @Test
  void thePolicyIsLeastConnectionsByDefaultWhichTheConnectionBalancerPlacesAndRebalances() {
    ListenerConfig l = parse("");
    assertThat(l.policy()).isEqualTo(ListenerConfig.LEAST_CONNECTIONS);
    assertThat(l.placedByConnections()).isTrue();
    assertThat(l.rebalance().enabled()).isTrue();
  }

  @Test
  void anotherPolicyPlacesEachConnectionAndTurnsRebalancingOff() {
    ListenerConfig l = parse("    policy: ring-hash\n");
    assertThat(l.placedByConnections()).isFalse();
    assertThat(l.rebalance().enabled()).isFalse();
    assertThat(UpstreamPicker.config(l).policy()).isEqualTo("ring-hash");
    assertThat(parse("    policy: random\n    rebalance: { enabled: false }\n").policy()).isEqualTo("random");
  }

  @Test
  void rebalancingWithAPolicyThatPlacesConnectionsIsRefused() {
    assertThatThrownBy(() -> parse("    policy: ring-hash\n    rebalance: { tolerance: 0.2 }\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("line 8: listeners[0].rebalance: rebalancing applies to tcp listeners with policy least-connections"
            + " (expected: no rebalance section, or enabled: false, with policy 'ring-hash', which places each connection itself)");
  }

  @Test
  void leastConnectionsIsRefusedOnHttpListenersPointingAtLeastRequest() {
    assertThatThrownBy(() -> new ConfigLoader(Map.<String, String>of()::get).parse("registry: memory://x\n"
        + "listeners:\n  - { name: web, listen: 127.0.0.1:0, service: demo, policy: least-connections }\n", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("line 3: listeners[0].policy: 'least-connections' places tcp connections (expected on an"
            + " http listener: least-request, which counts requests in flight, or one of least-request,");
  }

  @Test
  void readsTheTcpKeys() {
    ListenerConfig l = parse("    max-connections: 5000\n"
        + "    proxy-protocol: v2\n"
        + "    timeouts: { connect: 250ms, idle: 10m }\n"
        + "    rebalance: { enabled: false, tolerance: 0.2, settle: 30s, max-shed-per-second: 10 }\n");
    assertThat(l.maxConnections()).isEqualTo(5000);
    assertThat(l.proxyProtocol()).isEqualTo("v2");
    assertThat(l.timeouts().connect()).isEqualTo(Duration.ofMillis(250));
    assertThat(l.timeouts().idle()).isEqualTo(Duration.ofMinutes(10));
    assertThat(l.rebalance()).isEqualTo(new ListenerConfig.Rebalance(false, 0.2, Duration.ofSeconds(30), 10));
  }

  @Test
  void errorsNameLineKeyAndExpectation() {
    assertThatThrownBy(() -> parse("    proxy-protocol: v3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 7").hasMessageContaining("proxy-protocol").hasMessageContaining("v1, v2");
    assertThatThrownBy(() -> parse("    max-connections: -1\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("max-connections").hasMessageContaining("0..");
    assertThatThrownBy(() -> parse("    rebalance: { enabld: false }\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rebalance.enabld").hasMessageContaining("enabled");
  }

  @Test
  void balancerGetsTheListenersRebalanceAndHealthSettings() {
    BalancerConfig b = UpstreamPicker.config(parse(
        "    rebalance: { tolerance: 0.05, settle: 2s, max-shed-per-second: 20 }\n"
            + "    health: { passive: { consecutive-failures: 3, ejection: 10s }, panic-threshold: 0 }\n"));
    assertThat(b.rebalanceTolerance()).isEqualTo(0.05);
    assertThat(b.rebalanceSettle()).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.rebalanceMaxShedPerSecond()).isEqualTo(20.0);
    assertThat(b.outlierConsecutiveFailures()).isEqualTo(3);
    assertThat(b.outlierBaseEjectionTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(b.panicThreshold()).isZero(); // 0: never panic, so with every member down connections are closed
  }

  // A tcp listener reads the same health section as an http one, through the same mapping.
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
