package dev.keel.examples.register;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link KeepRegistered} as its own process (a shutdown hook needs a JVM that ends), lets it
 * lose its registry session, then sends it SIGTERM and checks the hook deregistered the instance.
 */
class KeepRegisteredTest {
  @Test
  void survivesSessionLossAndDeregistersOnSigterm() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", KeepRegistered.class.getName())
        .redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        if (line.startsWith("running")) {
          p.toHandle().destroy(); // SIGTERM, as systemd or Kubernetes would send (keeps our end of the pipe open)
        }
      }
    } finally {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }

    assertThat(lines).as("output").containsSubsequence(
        "registered orders-1 at 127.0.0.1:8080; orders has 1 instance(s)",
        "session expired and restored; orders has 1 instance(s)",
        "running; Ctrl-C deregisters orders-1",
        "deregistered orders-1; orders has 0 instance(s)");
    assertThat(p.isAlive()).isFalse();
  }
}
