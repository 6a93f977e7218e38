package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.Evenness;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #9's scenario: 6 backends, 600 long-lived request/response connections that reconnect when
 * closed, a rolling restart of every backend; after the settle window the spread must be within
 * ±10 % of the share, with forced closes close to the minimum number of moves and none of them
 * cutting a request in flight. Settle and rates are short so that it runs in seconds.
 */
class TcpRebalanceIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(TcpRebalanceIntegrationTest.class);
  private static final int BACKENDS = 6;
  private static final int CONNECTIONS = 600;

  @Test
  void rollingRestartEndsEvenWithMinimalForcedClosesAndNoCutRequests() throws Exception {
    String uri = "memory://tcp-rebalance-" + UUID.randomUUID();
    EventLoopGroup backendLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    List<EchoBackend> backends = new ArrayList<>();
    java.util.Set<Long> received = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (RegistryClient registry = Registries.open(uri)) {
      for (int i = 0; i < BACKENDS; i++) {
        EchoBackend b = new EchoBackend("b" + i, backendLoops, false, received);
        b.register(registry, "demo");
        backends.add(b);
      }
      try (ProxyFixture proxy = ProxyFixture.of(uri, "    protocol: tcp\n"
              + "    timeouts: { connect: 1s, idle: 60s }\n"
              + "    rebalance: { tolerance: 0.05, settle: 1500ms, max-shed-per-second: 100 }\n");
          ReconnectingClients clients = new ReconnectingClients(clientLoops, proxy.address(), 100, 400)) {
        RunningListener listener = proxy.server.listeners().get(0);
        TcpStats stats = ((ConnectionSpread) listener).tcpStats();
        clients.start(CONNECTIONS);
        await().atMost(Duration.ofSeconds(30)).until(() -> clients.connected.get() == CONNECTIONS && openOnBackends(backends) == CONNECTIONS);
        log.info("all connected: {}", counts(backends));

        for (EchoBackend b : backends) {
          // A graceful restart: deregister, wait until the proxy no longer places on it, stop
          // (its connections drop and reconnect elsewhere), start, register, wait until it is placed on.
          b.deregister();
          awaitAvailable(listener, b.id, false);
          b.down();
          await().atMost(Duration.ofSeconds(30)).until(() -> b.open.get() == 0
              && clients.connected.get() == CONNECTIONS && openOnBackends(backends) == CONNECTIONS);
          b.up();
          b.register(registry, "demo");
          awaitAvailable(listener, b.id, true);
          Thread.sleep(250); // pacing the rolling restart, as an operator's script would: not a wait for a condition
          log.info("restarted {}: {}", b.id, counts(backends));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected.get() == CONNECTIONS && openOnBackends(backends) == CONNECTIONS);
        List<Integer> after = counts(backends);
        long shedBefore = stats.sheds();
        int cutsBefore = clients.cutIds.size();
        double share = (double) CONNECTIONS / BACKENDS;
        double minMoves = 0;
        for (int c : after) {
          minMoves += Math.max(0, c - share);
        }
        log.info("after the rolling restart: {} (minimum moves {}, shed so far {})", after, minMoves, shedBefore);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
          List<Integer> now = counts(backends);
          return clients.connected.get() == CONNECTIONS && sum(now) == CONNECTIONS
              && now.stream().allMatch(c -> c <= share * 1.10 && c >= share * 0.90);
        });
        // A window of a few more shedding rounds (not a wait for a condition): over-shedding would show up here.
        Thread.sleep(1000); // the window described above
        await().atMost(Duration.ofSeconds(10)).until(() -> clients.connected.get() == CONNECTIONS && openOnBackends(backends) == CONNECTIONS);
        List<Integer> end = counts(backends);
        Evenness evenness = ((ConnectionSpread) listener).evenness();
        long shedTotal = stats.sheds();
        // Only the closes since the snapshot repair the spread the snapshot measured: on a loaded
        // machine one restart step can outlast the settle window, so shedding may start mid-restart.
        long forced = shedTotal - shedBefore;
        log.info("end: {}; evenness {}; forced closes {} (minimum moves {}); cut requests {}", end, evenness, forced, minMoves,
            clients.cutIds.size() - cutsBefore);

        assertThat(minMoves).as("the rolling restart left an uneven spread to repair").isGreaterThanOrEqualTo(30);
        assertThat(end).allSatisfy(c -> assertThat(c / share).isBetween(0.90, 1.10));
        assertThat(evenness.maxOverShare()).isLessThanOrEqualTo(1.10);
        assertThat((double) forced).as("forced closes vs minimum moves " + minMoves).isLessThanOrEqualTo(1.25 * minMoves);
        assertThat(forced).isGreaterThan(0);
        // A request in flight when its connection closed was cut by the proxy only if the proxy had
        // forwarded it (a backend received it). One sent after the proxy's FIN left the client, before
        // the client noticed it, never reached the proxy: the client may simply resend it.
        List<Long> allCut = new ArrayList<>(clients.cutIds);
        List<Long> cut = allCut.subList(cutsBefore, allCut.size());
        assertThat(cut).as("requests forwarded to a backend whose connection the proxy then closed")
            .filteredOn(received::contains).isEmpty();
        assertThat(clients.responses.get()).isGreaterThan(CONNECTIONS);

        String status = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).contains("\"protocol\":\"tcp\"", "\"share\":", "\"maxOverShare\":", "\"sheds\":" + shedTotal);
        String metrics = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("keel_proxy_sheds_total", "keel_proxy_connections_max_over_share",
            "keel_proxy_connections_cv", "keel_proxy_backend_connection_share");
      }
    } finally {
      for (EchoBackend b : backends) {
        b.close();
      }
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static void awaitAvailable(RunningListener listener, String id, boolean available) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() ->
        ((ConnectionSpread) listener).shares().stream().anyMatch(s -> s.id().equals(id) && s.available()) == available);
  }

  private static List<Integer> counts(List<EchoBackend> backends) {
    List<Integer> out = new ArrayList<>();
    for (EchoBackend b : backends) {
      out.add(b.open.get());
    }
    return out;
  }

  private static int openOnBackends(List<EchoBackend> backends) {
    return sum(counts(backends));
  }

  private static int sum(List<Integer> counts) {
    return counts.stream().mapToInt(Integer::intValue).sum();
  }
}
