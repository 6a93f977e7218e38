package dev.keel.examples.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GrpcByNameTest {
  @Test
  void balancesByNameSurvivesAStopAndKeepsOneConnectionClientsEven() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    GrpcByName.run(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String[] lines = captured.toString(StandardCharsets.UTF_8).split("\\R");

    assertThat(lines[0]).startsWith("keel, 300 calls:").contains("alpha=").contains("bravo=").contains("charlie=");
    assertThat(lines[1]).startsWith("keel, alpha stopped:").doesNotContain("alpha=")
        .contains("bravo=").contains("charlie="); // 300 calls answered: none failed
    assertThat(lines[2]).startsWith("keel_connection, 30 clients:").contains("bravo=15").contains("charlie=15");
    assertThat(lines[3]).startsWith("keel_connection, delta in:").contains("bravo=10").contains("charlie=10").contains("delta=10");
  }
}
