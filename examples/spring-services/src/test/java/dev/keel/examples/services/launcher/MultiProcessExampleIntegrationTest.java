package dev.keel.examples.services.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the example as {@code ./keel services} does, bounded: four service JVMs and a ZooKeeper,
 * orders-1 killed and restarted while calls flow, every call answered.
 */
class MultiProcessExampleIntegrationTest {
  @TempDir Path dir;

  @Test
  void servicesCallEachOtherByNameThroughAKillAndARestart() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    boolean ok = new Launcher(out, Duration.ofSeconds(240), dir).run();

    String printed = buffer.toString(StandardCharsets.UTF_8);
    assertThat(ok).as(printed).isTrue();
    assertThat(printed).contains("── orders-1 is killed", "── orders-1 is started again", "none failed");
  }
}
