package dev.keel.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Reads the proxy's admin {@code /status}: per listener, the backends it balances to, with their
 * active connections. Only the fields DESIGN.md pins are read.
 */
final class ProxyStatus {
  /** One backend of one listener. */
  record BackendView(String id, String address, boolean healthy, long activeConnections) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1))
      .build();
  private final URI status;

  ProxyStatus(int adminPort) {
    this.status = URI.create("http://127.0.0.1:" + adminPort + "/status");
  }

  /** Listener name → backend id → view, ids sorted; throws when the admin listener does not answer. */
  Map<String, Map<String, BackendView>> read() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(2)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + status + ": HTTP " + r.statusCode());
    }
    Map<String, Map<String, BackendView>> out = new LinkedHashMap<>();
    for (JsonNode l : JSON.readTree(r.body()).path("listeners")) {
      Map<String, BackendView> backends = new TreeMap<>();
      for (JsonNode b : l.path("backends")) {
        BackendView v = new BackendView(b.path("id").asText(), b.path("address").asText(),
            b.path("healthy").asBoolean(true), b.path("activeConnections").asLong());
        // a listener may list a backend twice (balancer view and connection view): keep the larger count
        backends.merge(v.id(), v, (x, y) -> x.activeConnections() >= y.activeConnections() ? x : y);
      }
      out.put(l.path("name").asText(), backends);
    }
    return out;
  }

  /**
   * Waits until the proxy's {@code listener} balances to every one of {@code ids}; throws, with the
   * proxy's last lines, when it exits or does not within {@code timeout}, or when {@code stop} says so.
   */
  void awaitBackends(ProxyProcess proxy, String listener, List<String> ids, Duration timeout, BooleanSupplier stop)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
      if (!proxy.alive()) {
        throw new IllegalStateException("keel-proxy exited at start-up; its last lines:\n" + proxy.logTail(20));
      }
      try {
        Map<String, BackendView> seen = read().getOrDefault(listener, Map.of());
        if (seen.keySet().containsAll(ids)) {
          return;
        }
        last = "it sees " + seen.keySet();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    if (stop.getAsBoolean()) {
      throw new CancellationException("stopped");
    }
    throw new IllegalStateException("keel-proxy did not see the backends " + ids + " within " + timeout.toSeconds() + "s ("
        + last + "); its last lines:\n" + proxy.logTail(20));
  }

  /** Active connections per backend id of {@code listener}; empty when it cannot be read. */
  Map<String, Long> connections(String listener) {
    try {
      Map<String, Long> out = new TreeMap<>();
      read().getOrDefault(listener, Map.of()).forEach((id, v) -> out.put(id, v.activeConnections()));
      return out;
    } catch (IOException e) {
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
  }
}
