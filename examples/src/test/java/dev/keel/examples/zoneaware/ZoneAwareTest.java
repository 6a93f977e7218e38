package dev.keel.examples.zoneaware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Policies;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ZoneAwareTest {
  @Test
  void isFoundByNameThroughServiceLoader() {
    BalancingPolicy p = Policies.byName("zone-aware");
    assertThat(p).isInstanceOf(ZoneAwarePolicy.class);
    assertThat(Policies.all()).containsKey("zone-aware");
  }

  @Test
  void prefersTheCallersZoneAndFallsBackToAll() throws Exception {
    String before = System.getProperty("keel.zone");
    System.setProperty("keel.zone", "a");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      ZoneAware.run(200, new PrintStream(captured, true, StandardCharsets.UTF_8));
    } finally {
      if (before == null) {
        System.clearProperty("keel.zone");
      } else {
        System.setProperty("keel.zone", before);
      }
    }
    String[] lines = captured.toString(StandardCharsets.UTF_8).split("\\R");

    assertThat(lines[0]).isEqualTo("caller zone: a");
    assertThat(lines[1]).as("zone a only while it is up").startsWith("all four up:")
        .contains("a-1=").contains("a-2=").doesNotContain("b-1").doesNotContain("b-2");
    assertThat(lines[2]).as("zone b once zone a is gone").startsWith("zone a gone:")
        .contains("b-1=").contains("b-2=").doesNotContain("a-1").doesNotContain("a-2").doesNotContain("(none)");
  }
}
