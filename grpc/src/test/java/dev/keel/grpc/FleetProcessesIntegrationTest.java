package dev.keel.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.FleetClientProcess;
import dev.keel.grpc.testing.PublishingServers;
import dev.keel.grpc.testing.SharedZooKeeper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet for real: the clients run in separate JVMs ({@link FleetClientProcess}), three
 * processes of 40 one-connection {@code keel_connection} channels; the servers, in this JVM,
 * publish their connection counts. Inside a process every channel has its own registry client
 * (its own ZooKeeper session), so no two channels share a connection balancer; across processes
 * nothing is shared at all but ZooKeeper — no JVM-wide state can carry the evenness, only the counts
 * the servers publish. After a scale-out from 3 to 6 servers every server holds 20 ± 10 % of the
 * 120 connections, and no RPC failed because a connection moved (retries are off).
 *
 * <p>Bounded: each process exits by itself after four minutes whatever happens; the test stops them
 * (stdin "stop", then destroy) when it ends. Their logs go to {@code target/fleet-process-N.log}.
 */
@ExtendWith(SharedZooKeeper.class)
class FleetProcessesIntegrationTest {
  private static final int PROCESSES = 3;
  private static final int CLIENTS_EACH = 40;
  private static final int TOTAL = PROCESSES * CLIENTS_EACH;
  private static final long PROCESS_LIFETIME_SECONDS = 240;

  private final String service = "fleet-processes-" + System.nanoTime();
  private final PublishingServers servers = new PublishingServers(service);
  private final List<Process> processes = new ArrayList<>();
  private final List<BufferedReader> outputs = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    servers.stop();
  }

  /** A JVM on this test's class path running {@link FleetClientProcess}. */
  private void startProcess(int n) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath));
    String julConfig = System.getProperty("java.util.logging.config.file");
    if (julConfig != null) {
      command.add("-Djava.util.logging.config.file=" + julConfig);
    }
    command.addAll(List.of(FleetClientProcess.class.getName(), SharedZooKeeper.uri() + "/services", service,
        String.valueOf(CLIENTS_EACH), String.valueOf(PROCESS_LIFETIME_SECONDS)));
    Process p = new ProcessBuilder(command)
        .redirectError(new File("target", "fleet-process-" + n + ".log"))
        .start();
    processes.add(p);
    outputs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8)));
  }

  /** The next line a process writes (the protocol is line by line, see FleetClientProcess). */
  private String nextLine(int n) throws IOException {
    String line = outputs.get(n).readLine();
    assertThat(line).as("process %d ended early; see target/fleet-process-%d.log", n, n).isNotNull();
    return line;
  }

  @Test
  void threeClientProcessesSpreadEvenlyOverSixServersAfterAScaleOutFromThree() throws Exception {
    servers.start(0, 3);
    for (int n = 0; n < PROCESSES; n++) {
      startProcess(n);
    }
    for (int n = 0; n < PROCESSES; n++) {
      assertThat(nextLine(n)).isEqualTo("ready"); // bounded: the process exits by itself at the latest
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> servers.allWithin(36, 44, TOTAL));
    List<Integer> before = servers.connections();
    int minimum = before.stream().mapToInt(c -> Math.max(0, c - TOTAL / 6)).sum();
    long acceptedBefore = servers.accepted();

    servers.start(3, 6);

    await().atMost(Duration.ofSeconds(90)).until(() -> servers.allWithin(18, 22, TOTAL));
    List<Integer> after = servers.connections(); // before the processes stop and close theirs
    long moves = servers.accepted() - acceptedBefore;
    long answered = 0;
    for (int n = 0; n < PROCESSES; n++) {
      Writer in = new OutputStreamWriter(processes.get(n).getOutputStream(), UTF_8);
      in.write("stop\n");
      in.flush();
    }
    for (int n = 0; n < PROCESSES; n++) {
      String result = nextLine(n);
      assertThat(result).as("process %d", n).matches("answered=\\d+ failed=0");
      answered += Long.parseLong(result.substring("answered=".length(), result.indexOf(' ')));
    }
    PublishingServers.report(PROCESSES + " processes x " + CLIENTS_EACH + ", scale-out 3 -> 6: " + before + " -> "
        + after + ", " + moves + " moves, minimum " + minimum + ", " + answered + " RPCs answered, none failed");
    assertThat(answered).isPositive();
    assertThat(moves).as("moves, minimum %d", minimum).isLessThanOrEqualTo(Math.round(minimum * 1.6));
  }
}
