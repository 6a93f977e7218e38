package dev.keel.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyProcess;
import dev.keel.proxy.support.TestBackend;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar under a low descriptor limit ({@code ulimit -n 256}), and a client holding idle
 * connections to a proxy port: the probe's 600 idle sockets starved new clients and the admin
 * {@code /healthz}. The proxy keeps a reserve of descriptors its listeners do not take, so the
 * admin endpoint still answers, and the proxy serves again once the idle connections are gone.
 */
class FileDescriptorReserveIntegrationTest {
  private static final int LIMIT = 256;
  private static final int MOST_SOCKETS = 400;
  private static final Pattern REFUSED = Pattern.compile("keel_proxy_connections_refused_total\\{[^}]*} (\\d+)");
  @TempDir Path dir;

  @Test
  void idleConnectionsCannotTakeTheAdminEndpointsDescriptors() throws Exception {
    int port = ProxyProcess.freePort();
    int adminPort = ProxyProcess.freePort();
    List<Socket> idle = new ArrayList<>();
    try (TestBackend a = new TestBackend("a")) {
      Path cfg = Files.writeString(dir.resolve("proxy.yaml"), "registry: static://" + a.address() + "\n"
          + "admin: { listen: 127.0.0.1:" + adminPort + " }\nworkers: 1\n"
          + "listeners: [ { name: web, listen: 127.0.0.1:" + port + ", service: demo } ]\n");
      ProxyProcess proxy = ProxyProcess.start(cfg, dir.resolve("proxy.log"), LIMIT);
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI proxied = URI.create("http://127.0.0.1:" + port + "/");
      URI healthz = URI.create("http://127.0.0.1:" + adminPort + "/healthz");
      URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
      try {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
            .until(() -> client.send(HttpRequest.newBuilder(proxied).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        long refused = 0;
        while (refused == 0 && idle.size() < MOST_SOCKETS) {
          for (int i = 0; i < 20; i++) {
            Socket s = new Socket();
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
            idle.add(s);
          }
          refused = refused(client, metrics);
        }
        assertThat(refused).as("connections refused after %d idle ones", idle.size()).isPositive();
        assertThat(idle.size()).as("idle connections before the proxy refused more").isLessThan(LIMIT);
        for (int i = 0; i < 5; i++) {
          assertThat(fresh(healthz).statusCode()).isEqualTo(200);
          assertThat(fresh(URI.create("http://127.0.0.1:" + adminPort + "/status")).statusCode()).isEqualTo(200);
        }
        assertThat(proxy.log()).as("no accept error was logged").doesNotContain("Too many open files");

        for (Socket s : idle) {
          s.close();
        }
        idle.clear();
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
            .until(() -> get(client, proxied).statusCode() == 200);
      } finally {
        for (Socket s : idle) {
          s.close();
        }
        proxy.close();
      }
    }
  }

  private static HttpResponse<String> get(HttpClient client, URI uri) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** On a new connection: the admin listener must accept one, not reuse a pooled one. */
  private static HttpResponse<String> fresh(URI uri) throws Exception {
    return get(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), uri);
  }

  private static long refused(HttpClient client, URI metrics) throws Exception {
    Matcher m = REFUSED.matcher(get(client, metrics).body());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
