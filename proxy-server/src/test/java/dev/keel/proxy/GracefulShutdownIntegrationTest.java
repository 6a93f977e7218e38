package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class GracefulShutdownIntegrationTest {
  @Test
  void closeFinishesInFlightRequestsAndStopsAccepting() throws Exception {
    try (TestBackend a = new TestBackend("a")) {
      ProxyFixture p = ProxyFixture.of("static://" + a.address(), "");
      int port = p.address().getPort();
      CompletableFuture<HttpResponse<String>> inFlight = p.client.sendAsync(
          HttpRequest.newBuilder(p.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.requests.get() == 1);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> p.server.close(Duration.ofSeconds(10)));
      // The backend answers only once the close is under way (the proxy stops accepting, then asks
      // its connections to close after their exchange), however slowly the close got started.
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refuses(port));
      a.release.countDown();
      HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("connection")).hasValue("close");
      closing.get(15, TimeUnit.SECONDS);
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
    }
  }

  private static boolean refuses(int port) {
    try {
      new Socket("127.0.0.1", port).close();
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Runs the real jar; SIGTERM (Process.destroy) lets the request in flight finish. Prints start-up time. */
  @Test
  void sigtermFromTheJarLetsTheInFlightRequestFinish() throws Exception {
    Path jar = Path.of("target", "keel-proxy.jar");
    assertThat(jar).exists();
    int port;
    int admin;
    try (ServerSocket s1 = new ServerSocket(0); ServerSocket s2 = new ServerSocket(0)) {
      port = s1.getLocalPort();
      admin = s2.getLocalPort();
    }
    try (TestBackend a = new TestBackend("a")) {
      long t0 = System.nanoTime();
      Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", jar.toString(), "--listen", "127.0.0.1:" + port, "--registry", "static://" + a.address(),
          "--service", "demo", "--workers", "1", "--admin", "127.0.0.1:" + admin)
          .redirectErrorStream(true).redirectOutput(Files.createTempFile("keel-proxy", ".log").toFile()).start();
      try {
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).ignoreExceptions()
            .until(() -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        System.out.printf("keel-proxy jar: start to first request served %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/delay")).build(), HttpResponse.BodyHandlers.ofString());
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.requests.get() == 2);
        proc.destroy();
        assertThat(inFlight.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(proc.waitFor(20, TimeUnit.SECONDS)).isTrue();
      } finally {
        proc.destroyForcibly();
      }
    }
  }
}
