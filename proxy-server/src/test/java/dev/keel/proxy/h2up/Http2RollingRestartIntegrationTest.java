package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.Evenness;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.H2TestServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's rolling restart on the upstream side: 4 h2c instances, each taking 4 streams per
 * connection, under load from 24 clients (GETs the instances hold a few milliseconds, POSTs with
 * bodies) through a proxy with 2 event loops. Each instance in turn leaves discovery, shuts down
 * gracefully (GOAWAY, its streams finish), comes back on its port and registers again. No request
 * fails; every instance is connected to again; and once the load is over, rebalancing has left the
 * proxy's upstream connections even over the instances (each within the rebalance tolerance of its
 * share, in whole connections, as the connection balancer judges), as the instances count them too.
 */
class Http2RollingRestartIntegrationTest {
  private static final int INSTANCES = 4;
  private static final int CLIENTS = 24;
  private static final double TOLERANCE = 0.1;

  @Test
  void aRollingRestartFailsNoRequestAndLeavesTheUpstreamConnectionsEven() throws Exception {
    String uri = "memory://h2-rolling-" + UUID.randomUUID();
    List<H2TestServer> servers = new ArrayList<>();
    List<Registration> registrations = new ArrayList<>();
    try (RegistryClient registry = Registries.open(uri)) {
      for (int i = 0; i < INSTANCES; i++) {
        H2TestServer s = new H2TestServer("i" + i, 4);
        servers.add(s);
        registrations.add(register(registry, s));
      }
      try (ProxyFixture proxy = ProxyFixture.of(uri, "    upstream: { protocol: h2c }\n"
          + "    rebalance: { tolerance: 0.1, settle: 500ms }\n")) {
        RunningListener listener = proxy.server.listeners().get(0);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger done = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> runs = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          runs.add(clients.submit(() -> load(proxy, client, running, done, failures)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> servers.stream().allMatch(s -> s.answered.get() > 20));

        int stoppedWithConnections = 0; // an instance the proxy had let go of before it stopped sends no GOAWAY
        for (int i = 0; i < INSTANCES; i++) {
          H2TestServer s = servers.get(i);
          registrations.get(i).close();
          await().atMost(Duration.ofSeconds(10)).until(() -> !member(listener, s));
          stoppedWithConnections += s.openConnections() > 0 ? 1 : 0;
          s.stop(); // GOAWAY: what it took finishes, then its connections close
          s.restart();
          int before = s.answered.get();
          registrations.set(i, register(registry, s));
          await().atMost(Duration.ofSeconds(10)).until(() -> s.answered.get() > before + 20);
        }
        running.set(false);
        for (Future<?> f : runs) {
          f.get(60, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(done.get()).isPositive();

        H2Balancing h2 = Objects.requireNonNull(listener.http2Upstream(), "an HTTP/2 upstream");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          Evenness e = h2.evenness();
          assertThat(e.endpoints()).isEqualTo(INSTANCES);
          double share = (double) e.connections() / INSTANCES;
          for (H2TestServer s : servers) {
            // the balancer's own band: whole connections within the tolerance of the share
            assertThat(s.openConnections()).as("connections %s has (share %.2f)", s.address(), share)
                .isEqualTo(connectionsTo(listener, s))
                .isBetween((int) Math.max(1, Math.floor(share * (1 - TOLERANCE))), (int) Math.ceil(share * (1 + TOLERANCE)));
          }
        });
        assertThat(h2.stats().goAways()).as("the GOAWAY of every instance stopped with connections was heard")
            .isGreaterThanOrEqualTo(stoppedWithConnections);
      }
    } finally {
      for (H2TestServer s : servers) {
        s.close();
      }
    }
  }

  private static Registration register(RegistryClient registry, H2TestServer s) {
    return registry.register(ServiceInstance.builder().service("demo").id("h2-" + s.port())
        .host("127.0.0.1").port(s.port()).build());
  }

  private static boolean member(RunningListener listener, H2TestServer s) {
    return java.util.Objects.requireNonNull(listener.picker(), "one service").backends().stream().anyMatch(b -> b.port() == s.port());
  }

  private static int connectionsTo(RunningListener listener, H2TestServer s) {
    return java.util.Objects.requireNonNull(listener.picker(), "one service").backends().stream().filter(b -> b.port() == s.port()).mapToInt(Backend::connections).sum();
  }

  private static void load(ProxyFixture proxy, int client, AtomicBoolean running, AtomicInteger done,
      ConcurrentLinkedQueue<String> failures) {
    for (int i = 0; running.get(); i++) {
      ProxyLoad.request(proxy, client, i, body -> body.startsWith("i"), failures);
      done.incrementAndGet();
    }
  }
}
