package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigAndPoliciesTest {
  /** A custom policy found through META-INF/services: always the last candidate. */
  public static final class LastPolicy implements BalancingPolicy {
    @Override
    public String name() {
      return "last";
    }

    @Override
    public Picker newPicker(Candidates candidates) {
      Endpoint last = candidates.endpoint(candidates.size() - 1);
      return key -> last;
    }
  }

  @Test
  void defaultsMatchTheDocumentedTable() {
    BalancerConfig c = BalancerConfig.defaults();
    assertThat(c.policy()).isEqualTo("round-robin");
    assertThat(c.outlierConsecutiveFailures()).isEqualTo(5);
    assertThat(c.outlierBaseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.outlierMaxEjectionTime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.outlierMaxEjectionShare()).isEqualTo(0.10);
    assertThat(c.healthInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.healthTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.healthRise()).isEqualTo(2);
    assertThat(c.healthFall()).isEqualTo(3);
    assertThat(c.panicThreshold()).isEqualTo(0.5);
    assertThat(c.rebalanceTolerance()).isEqualTo(0.10);
    assertThat(c.rebalanceCounts()).isEqualTo(BalancerConfig.ConnectionCounts.AUTO);
    assertThat(c.rebalanceRound()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString());
  }

  @Test
  void badValuesAreRejectedNamingFieldAndValue() {
    assertThatThrownBy(() -> BalancerConfig.builder().rebalanceTolerance(-1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rebalanceTolerance: -1.0 (expected: 0.0..1.0)");
    assertThatThrownBy(() -> BalancerConfig.builder().healthRise(0))
        .hasMessage("healthRise: 0 (expected: >= 1)");
    assertThatThrownBy(() -> BalancerConfig.builder().healthInterval(Duration.ZERO))
        .hasMessage("healthInterval: 0s (expected: > 0)");
    assertThatThrownBy(() -> BalancerConfig.builder().hashBalanceFactor(0.5))
        .hasMessage("hashBalanceFactor: 0.5 (expected: 0 or >= 1.0)");
    assertThatThrownBy(() -> BalancerConfig.builder().outlierMaxEjectionTime(Duration.ofSeconds(10)).build())
        .hasMessageStartingWith("outlierMaxEjectionTime: 10s (expected: >= outlierBaseEjectionTime");
    assertThatThrownBy(() -> BalancerConfig.builder().rebalanceRound(Duration.ZERO))
        .hasMessage("rebalanceRound: 0s (expected: > 0)");
    assertThatThrownBy(() -> BalancerConfig.builder().rebalanceRound(Duration.ofHours(2)))
        .hasMessage("rebalanceRound: 2h (expected: > 0 and <= 1h)");
  }

  @Test
  void unknownPolicyNameListsTheKnownOnes() {
    SettableDiscovery d = new SettableDiscovery();
    assertThatThrownBy(() -> Balancer.builder(d, "orders")
        .config(BalancerConfig.builder().policy("fastest").build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy: 'fastest' (expected: one of [")
        .hasMessageContaining("least-response-time");
  }

  @Test
  void builtInsAndServiceLoaderPoliciesAreFoundByName() {
    assertThat(Policies.all()).containsKeys("round-robin", "random", "least-request",
        "least-response-time", "ring-hash", "last");
    SettableDiscovery d = new SettableDiscovery();
    d.set(SettableDiscovery.instances(3));
    Balancer b = Fixtures.balancer(d, new FakeClock(), Fixtures.config("last").build()).build();
    assertThat(Fixtures.histogram(b, 10)).containsOnlyKeys("e02");
  }

  @Test
  void candidatesRejectBadInputNamingIt() {
    assertThatThrownBy(() -> Candidates.of(java.util.List.of(), new int[0], 1, () -> 0, 0, () -> 0))
        .hasMessage("endpoints: [] (expected: at least one)");
  }
}
