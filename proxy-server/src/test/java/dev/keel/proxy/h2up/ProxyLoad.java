package dev.keel.proxy.h2up;

import dev.keel.proxy.support.ProxyFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Queue;
import java.util.function.Predicate;

/**
 * One client's load on a proxy in front of {@code H2TestServer}s: even requests GET {@code
 * /delay?ms=3} (the instance holds them a moment, so streams overlap), odd ones POST a body to
 * {@code /echo} (it must come back whole). Whatever is not right is added to a queue of failures
 * rather than thrown, so that the test sees every failure of every client.
 */
final class ProxyLoad {
  private ProxyLoad() {}

  /** Sends request {@code i} of {@code client}; {@code instance} tells an instance's answer to a GET. */
  static void request(ProxyFixture proxy, int client, int i, Predicate<String> instance, Queue<String> failures) {
    try {
      if (i % 2 == 0) {
        HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/delay?ms=3"))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !instance.test(r.body())) {
          failures.add("GET " + r.statusCode() + " " + r.body());
        }
      } else {
        String body = "client " + client + " request " + i;
        HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/echo"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().equals(body)) {
          failures.add("POST " + r.statusCode() + " " + r.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.add(e.toString());
    } catch (Exception e) {
      failures.add(e.toString());
    }
  }
}
