package dev.keel.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.examples.HeadlessChromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  @TempDir Path work;

  @Test
  void showsEveryBackendOfTheRunningProxyAndFollowsChanges() throws Exception {
    HeadlessChromium.require();
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

  private String dumpDom(int adminPort) throws Exception {
    return HeadlessChromium.dumpDom(work, "http://127.0.0.1:" + adminPort + "/");
  }
}
