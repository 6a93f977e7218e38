package dev.keel.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancerConfig;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeelLbConfigTest {
  @Test
  void everyKeyReachesTheBalancerConfig() {
    Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("policy", "least-response-time");
    json.put("outlierConsecutiveFailures", 3.0);
    json.put("outlierFailureRate", 0.4);
    json.put("outlierMinimumRequests", 10.0);
    json.put("outlierInterval", "5s");
    json.put("outlierBaseEjectionTime", "1.5s");
    json.put("outlierMaxEjectionTime", "1m");
    json.put("outlierMaxEjectionShare", 0.3);
    json.put("slowStartWindow", "500ms");
    json.put("slowStartAggression", 2.0);
    json.put("slowStartMinWeight", 0.2);
    json.put("panicThreshold", 0.25);
    json.put("hashBalanceFactor", 1.5);
    json.put("ewmaDecay", "2s");
    json.put("rebalanceTolerance", 0.05);
    json.put("rebalanceSettle", "1s");
    json.put("rebalanceMaxShedPerSecond", 20.0);
    json.put("rebalanceInterval", "100ms");
    json.put("rebalanceCounts", "local");
    json.put("rebalanceRound", "2s");
    json.put("hashHeader", "X-User");
    json.put("metadata", Map.of("version", "v2"));
    json.put("preferMetadata", Map.of("zone", "a"));
    json.put("failureStatus", List.of("unavailable", "RESOURCE_EXHAUSTED"));

    KeelLbConfig c = KeelLbConfig.parse(json);

    assertThat(c.balancer().policy()).isEqualTo("least-response-time");
    assertThat(c.balancer().outlierConsecutiveFailures()).isEqualTo(3);
    assertThat(c.balancer().outlierFailureRate()).isEqualTo(0.4);
    assertThat(c.balancer().outlierMinimumRequests()).isEqualTo(10);
    assertThat(c.balancer().outlierInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.balancer().outlierBaseEjectionTime()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.balancer().outlierMaxEjectionTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.balancer().outlierMaxEjectionShare()).isEqualTo(0.3);
    assertThat(c.balancer().slowStartWindow()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.balancer().slowStartAggression()).isEqualTo(2.0);
    assertThat(c.balancer().slowStartMinWeight()).isEqualTo(0.2);
    assertThat(c.balancer().panicThreshold()).isEqualTo(0.25);
    assertThat(c.balancer().hashBalanceFactor()).isEqualTo(1.5);
    assertThat(c.balancer().ewmaDecay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.balancer().rebalanceTolerance()).isEqualTo(0.05);
    assertThat(c.balancer().rebalanceSettle()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.balancer().rebalanceMaxShedPerSecond()).isEqualTo(20.0);
    assertThat(c.rebalanceInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.balancer().rebalanceCounts()).isEqualTo(BalancerConfig.ConnectionCounts.LOCAL);
    assertThat(c.balancer().rebalanceRound()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.hashHeader()).isEqualTo("x-user");
    assertThat(c.requireMetadata()).isEqualTo(Map.of("version", "v2"));
    assertThat(c.preferMetadata()).isEqualTo(Map.of("zone", "a"));
    assertThat(c.failureCodes()).containsExactlyInAnyOrder(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void anEmptyConfigIsTheDefaults() {
    KeelLbConfig c = KeelLbConfig.parse(Map.of());
    assertThat(c.balancer().policy()).isEqualTo("round-robin");
    assertThat(c.failureCodes()).isEqualTo(KeelLbConfig.DEFAULT_FAILURE_CODES);
    assertThat(c.rebalanceInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c).isEqualTo(KeelLbConfig.DEFAULTS);
  }

  @Test
  void badValuesAreNamedWithTheirKey() {
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("rebalanceTolerance", -1.0)))
        .hasMessage("rebalanceTolerance: -1.0 (expected: 0.0..1.0)");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("outlierConsecutiveFailures", 2.5)))
        .hasMessage("outlierConsecutiveFailures: 2.5 (expected: an integer)");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("slowStartWindow", 30.0)))
        .hasMessageStartingWith("slowStartWindow: 30.0 (expected: a duration string");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("failureStatus", List.of("OK"))))
        .hasMessageStartingWith("failureStatus: 'OK' (expected: a gRPC status code name other than OK");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("metadata", Map.of("zone", 1.0))))
        .hasMessage("metadata.zone: 1.0 (expected: a string)");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("policy", "fastest")))
        .hasMessageContaining("fastest");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("rebalanceCounts", "fleet")))
        .hasMessage("rebalanceCounts: 'fleet' (expected: \"auto\" or \"local\")");
    assertThatThrownBy(() -> KeelLbConfig.parse(Map.of("polcy", "random")))
        .hasMessageStartingWith("unknown key 'polcy' (expected one of: [policy, ");
  }

  @Test
  void theProviderAnswersInvalidArgumentNamingThePolicy() {
    ConfigOrError result = new KeelLoadBalancerProvider.Connection().parseLoadBalancingPolicyConfig(Map.of("rebalanceSettle", "soon"));
    assertThat(result.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(result.getError().getDescription()).startsWith("load-balancing config of 'keel_connection': rebalanceSettle: 'soon'");
  }
}
