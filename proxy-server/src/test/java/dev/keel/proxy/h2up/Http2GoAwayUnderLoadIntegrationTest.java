package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.support.H2TestServer;
import dev.keel.proxy.support.ProxyFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 instance shuts down gracefully (GOAWAY, finishes its streams, closes) in the middle of
 * a load of GETs and POSTs with bodies from 16 clients: no request fails. Streams the instance
 * left out are sent again elsewhere (bodies included), its connection drains, and it is no longer
 * connected to once it refuses connections.
 */
class Http2GoAwayUnderLoadIntegrationTest {
  private static final int CLIENTS = 16;
  private static final int EACH = 60;

  @Test
  void anInstanceLeavingWithGoAwayMidLoadFailsNoRequest() throws Exception {
    try (H2TestServer a = new H2TestServer("a", 0); H2TestServer b = new H2TestServer("b", 0);
        ProxyFixture proxy = ProxyFixture.of("static://" + a.address() + "," + b.address(),
            "    upstream: { protocol: h2c }\n")) {
      AtomicInteger done = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> runs = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        runs.add(clients.submit(() -> {
          for (int i = 0; i < EACH; i++) {
            ProxyLoad.request(proxy, client, i, body -> body.equals("a") || body.equals("b"), failures);
            done.incrementAndGet();
          }
        }));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> done.get() >= CLIENTS * EACH / 3);
      a.stop(); // GOAWAY, the streams it took finish, then it closes and accepts no more
      for (Future<?> f : runs) {
        f.get(120, TimeUnit.SECONDS);
      }
      clients.shutdown();
      assertThat(failures).as("failed requests").isEmpty();
      assertThat(done.get()).isEqualTo(CLIENTS * EACH);
      H2Balancing h2 = Objects.requireNonNull(proxy.server.listeners().get(0).http2Upstream());
      assertThat(h2.stats().goAways()).as("the proxy heard the instance's GOAWAY").isPositive();
      assertThat(a.openConnections()).isZero();
      assertThat(b.answered.get()).isPositive();
    }
  }
}
