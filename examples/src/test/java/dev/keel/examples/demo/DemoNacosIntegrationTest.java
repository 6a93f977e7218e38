package dev.keel.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.nacos.fixture.NacosServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./keel demo --registry nacos://127.0.0.1:P --duration 30s} against a real Nacos
 * (registry-nacos's {@link NacosServer}): the backends register through Keel's Nacos adapter, the
 * proxy (a child process) watches the same server, the script plays, and the run exits 0, leaving no
 * process behind.
 */
@Tag(NacosServer.TAG)
@Timeout(240) // the server's start (15 to 45 s here) and the 30 s run
class DemoNacosIntegrationTest {
  static {
    Demo.quietLogs();
  }

  @Test
  void theDemoRunsCleanlyAgainstARealNacosAndExitsZero() {
    String registry = "nacos://" + NacosServer.shared().address();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    int exit = Demo.run(DemoOptions.parse("--registry", registry, "--duration", "30s"), out);

    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(exit).as("exit code; the demo printed:%n%s", printed).isZero();
    assertThat(printed).contains("keel demo: OK").contains("bravo is killed").contains("bravo is back")
        .contains("delta joins").doesNotContain("in-JVM ZooKeeper");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(DemoIntegrationTest.leftBehind()).as("child processes left behind (the test's Nacos aside)").isEmpty());
  }
}
