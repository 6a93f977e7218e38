package dev.keel.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's dashboard ({@code /} on the admin listener) loaded in a real headless browser
 * (Debian's {@code chromium}) against a running keel-proxy fed by a real ZooKeeper: the page
 * fetches {@code /status} and renders every backend, and follows a backend that leaves.
 */
class DashboardBrowserIntegrationTest {
  static {
    Demo.quietLogs(); // ZooKeeper's and Curator's INFO lines would bury the demo's output
  }

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @TempDir Path work;

  @Test
  void showsEveryBackendOfTheRunningProxyAndFollowsChanges() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(CHROMIUM + " is missing: this test loads the dashboard in a real headless browser. "
          + "./keel test installs it (as root on Debian), or: apt-get install chromium");
    }
    List<DemoBackend> backends = new ArrayList<>();
    try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(work.resolve("zookeeper").toFile())) {
      try {
        for (String name : List.of("alpha", "bravo", "charlie")) {
          DemoBackend b = new DemoBackend(name, Duration.ofMillis(5), zk.registryUri(), DemoRun.SERVICE);
          backends.add(b);
          b.start();
        }
        try (ProxyProcess proxy = ProxyProcess.start(ProxyProcess.locateJar(), zk.registryUri(), DemoRun.SERVICE, work)) {
          ProxyStatus status = new ProxyStatus(proxy.adminPort());
          status.awaitBackends(proxy, "web", List.of("alpha", "bravo", "charlie"), Duration.ofSeconds(60), () -> false);

          String dom = dumpDom(proxy.adminPort());
          assertThat(dom).as("the dashboard's DOM after it fetched /status").contains("web — http 127.0.0.1:" + proxy.httpPort());
          for (DemoBackend b : backends) {
            assertThat(dom).contains("<td>" + b.name() + "</td>").contains("<td class=\"addr\">127.0.0.1:" + b.port() + "</td>");
          }
          assertThat(dom).contains("<td class=\"up\">up</td>").doesNotContain("<td class=\"down\">");

          // charlie leaves the registry: the next load no longer shows it
          backends.get(2).close();
          await().atMost(Duration.ofSeconds(30)).until(() -> {
            var web = status.read().get("web");
            return web != null && !web.containsKey("charlie");
          });
          String after = dumpDom(proxy.adminPort());
          assertThat(after).contains("<td>alpha</td>").contains("<td>bravo</td>").doesNotContain("<td>charlie</td>");
        }
      } finally {
        backends.forEach(DemoBackend::close);
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(DemoIntegrationTest.leftBehind()).as("child processes left behind (proxy, browser)").isEmpty());
  }

  /** Loads the dashboard in headless chromium, lets its scripts run (virtual time), returns the DOM. */
  private String dumpDom(int adminPort) throws Exception {
    Path profile = Files.createTempDirectory(work, "chromium-");
    Path dom = work.resolve("dom.html");
    Path log = work.resolve("chromium.log");
    Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=8000", "--dump-dom", "http://127.0.0.1:" + adminPort + "/")
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
