package dev.keel.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
  @TempDir Path dir;

  private static AccessEntry entry(String target) {
    return new AccessEntry(1796642531123L, "127.0.0.1", "GET", target, "HTTP/1.1", 200, 2, 1_000, null, null, 1, null,
        "demo", null, null, null);
  }

  /** An output whose first write blocks until released: a disk that stalled. */
  private static final class StalledOutput implements LineOutput {
    final CountDownLatch writing = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void write(byte[] bytes, int length) throws IOException {
      writing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      lines.addAll(new String(bytes, 0, length, StandardCharsets.US_ASCII).lines().toList());
    }

    @Override
    public void reopen() {}

    @Override
    public void close() {}
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS) // log() blocking would hang here
  void aFullQueueDropsAndCountsWithoutBlockingTheCaller() throws Exception {
    StalledOutput out = new StalledOutput();
    AccessLog log = new AccessLog("web", new AccessLogConfig(dir.resolve("a.log"), AccessLogConfig.Format.JSON), out, 4,
        System::nanoTime);
    assertThat(log.log(entry("/0"))).isTrue();
    assertThat(out.writing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds /0 and is stuck

    for (int i = 1; i <= 4; i++) {
      assertThat(log.log(entry("/" + i))).as("entry %d fits", i).isTrue();
    }
    for (int i = 5; i <= 7; i++) {
      assertThat(log.log(entry("/" + i))).as("entry %d is dropped", i).isFalse();
    }
    assertThat(log.dropped()).isEqualTo(3);

    out.release.countDown();
    log.close();
    assertThat(out.lines).hasSize(5).allSatisfy(l -> assertThat(l).startsWith("{\"time\":"));
    assertThat(out.lines.get(4)).contains("\"path\":\"/4\"");
    assertThat(log.log(entry("/late"))).as("closed").isFalse();
    assertThat(log.dropped()).isEqualTo(4);
  }

  @Test
  void linesAreAppendedAndReopenFollowsTheFileAfterLogrotateMovedIt() throws Exception {
    Path file = dir.resolve("web.log");
    Files.writeString(file, "earlier line\n");
    AccessLog log = AccessLog.open("web", new AccessLogConfig(file, AccessLogConfig.Format.COMBINED));
    try {
      log.log(entry("/before"));
      await().atMost(10, TimeUnit.SECONDS).until(() -> Files.readAllLines(file).size() == 2);
      Path rotated = dir.resolve("web.log.1");
      Files.move(file, rotated);

      log.reopen();
      log.log(entry("/after"));
      await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(file) && Files.readAllLines(file).size() == 1);

      assertThat(Files.readAllLines(rotated)).hasSize(2).first().isEqualTo("earlier line");
      assertThat(Files.readAllLines(rotated).get(1)).contains("\"GET /before HTTP/1.1\" 200 2");
      assertThat(Files.readAllLines(file).get(0)).contains("\"GET /after HTTP/1.1\" 200 2");
    } finally {
      log.close();
    }
  }

  @Test
  void closeWritesWhatIsQueued() throws Exception {
    Path file = dir.resolve("web.log");
    AccessLog log = AccessLog.open("web", new AccessLogConfig(file, AccessLogConfig.Format.JSON));
    for (int i = 0; i < 1000; i++) {
      log.log(entry("/" + i));
    }
    log.close();

    assertThat(Files.readAllLines(file)).hasSize(1000).last().asString().contains("\"path\":\"/999\"");
    assertThat(log.dropped()).isZero();
  }

  @Test
  void aFileThatCannotBeOpenedFailsNamingListenerKeyAndPath() {
    Path missing = dir.resolve("no-such-dir").resolve("web.log");

    assertThatThrownBy(() -> AccessLog.open("web", new AccessLogConfig(missing, AccessLogConfig.Format.JSON)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("listener 'web': access-log.path: '" + missing + "' cannot be opened for appending: ")
        .hasMessageContaining("does not exist");
  }
}
