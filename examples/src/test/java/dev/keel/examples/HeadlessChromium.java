package dev.keel.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A page loaded in a real headless browser (Debian's {@code chromium}): its DOM once its scripts ran. */
public final class HeadlessChromium {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  private HeadlessChromium() {}

  /** Fails the test, saying how to install it, when chromium is missing. */
  public static void require() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(CHROMIUM + " is missing: this test loads a page in a real headless browser. "
          + "./keel test installs it (as root on Debian), or: apt-get install chromium");
    }
  }

  /** Loads {@code url}, lets its scripts run (virtual time), returns the DOM; {@code work} holds the profile and log. */
  public static String dumpDom(Path work, String url) throws Exception {
    Path profile = Files.createTempDirectory(work, "chromium-");
    Path dom = work.resolve("dom.html");
    Path log = work.resolve("chromium.log");
    Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=8000", "--dump-dom", url)
        .redirectOutput(dom.toFile())
        .redirectError(log.toFile())
        .start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        fail("chromium did not finish within 90s; its log:\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      assertThat(p.exitValue()).as("chromium's exit code; its log:\n%s", Files.readString(log, StandardCharsets.UTF_8)).isZero();
      return Files.readString(dom, StandardCharsets.UTF_8);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
