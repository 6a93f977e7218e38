package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.TestBackend;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar reloads its config file on SIGHUP and keeps serving. */
class SighupIntegrationTest {
  @TempDir Path dir;

  @Test
  void sighupReloadsTheConfigFile() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("proxy.log");
    try (TestBackend a = new TestBackend("a")) {
      Path cfg = Files.writeString(dir.resolve("proxy.yaml"), "registry: static://" + a.address() + "\n"
          + "admin: { enabled: false }\nworkers: 1\n"
          + "listeners: [ { name: web, listen: 127.0.0.1:" + port + ", service: demo } ]\n");
      Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", Path.of("target", "keel-proxy.jar").toString(), "--config", cfg.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
            .until(() -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(proc.pid())).start();
        assertThat(hup.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("(SIGHUP)"));
        assertThat(Files.readString(log)).contains("config reloaded from " + cfg);
        assertThat(proc.isAlive()).isTrue();
        assertThat(client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("a");
      } finally {
        proc.destroy();
        if (!proc.waitFor(20, TimeUnit.SECONDS)) {
          proc.destroyForcibly();
        }
      }
    }
  }
}
