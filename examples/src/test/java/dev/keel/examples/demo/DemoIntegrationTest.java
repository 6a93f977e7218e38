package dev.keel.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs the demo as {@code ./keel demo --duration 24s} does (in-JVM ZooKeeper, three backends,
 * keel-proxy as a child process from proxy-server/target/keel-proxy.jar, the script) and checks
 * what it promises: answered requests, no error outside the kill window, the killed backend out
 * while down and back after, the fourth used, and nothing left behind.
 */
class DemoIntegrationTest {
  static {
    Demo.quietLogs(); // ZooKeeper's and Curator's INFO lines would bury the demo's output
  }

  @Test
  void runsTheScriptCleanlyAndLeavesNothingBehind() throws Exception {
    Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    List<Path> demoDirsBefore = demoDirs(tmp);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    DemoResult r;
    try (DemoRun run = new DemoRun(DemoOptions.parse("--duration", "24s"), out, ProxyProcess.locateJar())) {
      r = run.run();
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    System.out.println(printed);

    assertThat(r.requests()).as("requests answered through the http listener").isPositive();
    assertThat(r.longRequests()).as("requests answered over the long-lived connections").isPositive();
    assertThat(r.errorCountOutsideKillWindow()).as("errors outside the kill window: %s", r.errorsOutsideKillWindow()).isZero();
    assertThat(r.clean()).as(r.verdict()).isTrue();

    String victim = r.victim();
    assertThat(count(r.byPhase(), Script.Phase.STEADY, victim)).as("%s answered before the kill", victim).isPositive();
    assertThat(count(r.byPhase(), Script.Phase.DOWN, victim) + count(r.longByPhase(), Script.Phase.DOWN, victim))
        .as("%s answered while it was down", victim).isZero();
    assertThat(count(r.byPhase(), Script.Phase.BACK, victim) + count(r.byPhase(), Script.Phase.FOUR, victim))
        .as("%s answered after it came back", victim).isPositive();
    assertThat(count(r.byPhase(), Script.Phase.FOUR, r.joiner())).as("%s answered after it joined", r.joiner()).isPositive();
    assertThat(count(r.byPhase(), Script.Phase.STEADY, r.joiner()) + count(r.byPhase(), Script.Phase.DOWN, r.joiner()))
        .as("%s answered before it joined", r.joiner()).isZero();

    assertThat(printed).contains("dashboard  http://127.0.0.1:").contains("proxy      http://127.0.0.1:")
        .contains(victim + " is killed").contains(victim + " is back").contains(r.joiner() + " joins");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(leftBehind()).as("child processes left behind").isEmpty());
    assertThat(demoDirs(tmp)).as("work directories left behind").containsExactlyInAnyOrderElementsOf(demoDirsBefore);
  }

  private static long count(Map<Script.Phase, Map<String, Long>> byPhase, Script.Phase phase, String backend) {
    return byPhase.getOrDefault(phase, Map.of()).getOrDefault(backend, 0L);
  }

  private static List<Path> demoDirs(Path tmp) throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("keel-demo-")).toList();
    }
  }

  /**
   * This JVM's live child processes, described, but for the real Nacos that registry-nacos's
   * fixture runs for the whole JVM when {@code DemoNacosIntegrationTest} ran first: the server, its
   * watchdog shell ({@code keel-nacos-watchdog}) and the watchdog's {@code sleep}.
   */
  static List<String> leftBehind() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> !ofTheTestsNacos(p)).map(DemoIntegrationTest::describe).toList();
  }

  private static boolean ofTheTestsNacos(ProcessHandle p) {
    return p.info().commandLine().orElse("").contains("nacos")
        || p.parent().map(parent -> parent.info().commandLine().orElse("").contains("nacos")).orElse(false);
  }

  static String describe(ProcessHandle p) {
    return p.pid() + " " + p.info().commandLine().orElse("?");
  }
}
