package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancerConfig;
import org.junit.jupiter.api.Test;

class ServicePolicyTest {
  @Test
  void stickySessionsImplyRingHash() {
    ServicePolicy p = ServicePolicy.builder().stickyCookie("SESSION").build();

    assertThat(p.balancerConfig().policy()).isEqualTo("ring-hash");
    assertThat(p.stickyCookie()).isEqualTo("SESSION");
  }

  @Test
  void stickySessionsWithAnotherExplicitPolicyAreRejected() {
    assertThatThrownBy(() -> ServicePolicy.builder().policy("least-request").stickyHeader("X-User").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy: 'least-request' (expected: ring-hash, since sticky sessions are configured)");
  }

  @Test
  void policyNameOverridesTheConfigAndKeepsItsOtherSettings() {
    ServicePolicy p = ServicePolicy.builder()
        .balancerConfig(BalancerConfig.builder().outlierConsecutiveFailures(7).build())
        .policy("least-response-time").build();

    assertThat(p.balancerConfig().policy()).isEqualTo("least-response-time");
    assertThat(p.balancerConfig().outlierConsecutiveFailures()).isEqualTo(7);
  }

  @Test
  void rejectsUnknownPoliciesAndBadRetries() {
    assertThatThrownBy(() -> ServicePolicy.builder().policy("fastest").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy: 'fastest'");
    assertThatThrownBy(() -> ServicePolicy.builder().maxRetries(-1))
        .hasMessage("maxRetries: -1 (expected: 0..10)");
  }
}
