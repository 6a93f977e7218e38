package dev.keel.examples.longconnections;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvenLongConnectionsTest {
  @Test
  void spreadsThirtyConnectionsEvenlyOverSixServersAfterThreeJoin() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    Map<String, Integer> end = EvenLongConnections.run(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String out = captured.toString(StandardCharsets.UTF_8);
    System.out.print(out);

    assertThat(out).contains("3 servers, 30 connections: {server-1=10, server-2=10, server-3=10}");
    assertThat(end).containsOnlyKeys("server-1", "server-2", "server-3", "server-4", "server-5", "server-6")
        .allSatisfy((server, n) -> assertThat(n).as(server).isEqualTo(5));
  }
}
