package dev.keel.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CallByNameTest {
  @Test
  void splitsCallsByNameEvenlyOverBothServers() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CallByName.main(new String[] {"100"});
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("called http://hello/greet 100 times");
    assertThat(out).contains("  hello-1: 50").contains("  hello-2: 50");
  }
}
