package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The test class path's service file names a class that does not exist
 * ({@code NoSuchPolicyOnTheClassPath}), as a stale jar or build directory would.
 */
class BrokenPolicyPluginTest {
  @Test
  void aServiceEntryThatCannotBeLoadedIsSkippedAndTheOthersStillLoad() {
    assertThat(Policies.all()).containsKeys(Policies.ROUND_ROBIN, Policies.RING_HASH, "last");
    assertThat(Policies.byName(Policies.LEAST_REQUEST).name()).isEqualTo(Policies.LEAST_REQUEST);
  }
}
