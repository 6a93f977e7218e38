package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.IdleConnections;
import dev.keel.reliability.support.KeepAliveBackend;
import dev.keel.reliability.support.ProxyProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10, load: keel-proxy holds 10,000 idle keep-alive client connections, each having served
 * one GET, keeps them open, serves them again, and gives their descriptors back once they close.
 * The proxy runs in a child JVM so that its resident memory is its own; the figures are printed,
 * not asserted (the machine is shared).
 */
@Timeout(90)
class IdleConnectionsIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(IdleConnectionsIntegrationTest.class);
  private static final int CONNECTIONS = 10_000;
  private static final int SAMPLE = 1_000;
  /** Connections connecting or awaiting their first response at once: well under the proxy's accept backlog (1024). */
  private static final int MAX_IN_FLIGHT = 200;
  private static final Duration HOLD = Duration.ofSeconds(5);
  private static final int WORKERS = 2;
  /** The proxy's default {@code upstream.max-idle-per-loop}: pooled upstream connections it may keep per loop after a burst. */
  private static final int MAX_IDLE_PER_LOOP = 64;
  /**
   * The JVM flags of the systemd unit in docs/operations.md: a fixed 256 MiB heap, an explicit
   * direct-memory limit and the parallel collector, as an operator runs it.
   */
  private static final List<String> JVM_FLAGS =
      List.of("-Xms256m", "-Xmx256m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseParallelGC");
  /**
   * Not a performance bound, a leak tripwire: heap and direct memory are capped at 256 MiB each and
   * metaspace, code cache and thread stacks take ~100 MiB, so a process above 1 GiB would be growing
   * outside every limit it was given (native memory per connection).
   */
  private static final long RSS_SANITY_LIMIT_KIB = 1024 * 1024;
  private static final long FD_NEEDED = CONNECTIONS + 1_000;

  @Test
  void holdsTenThousandIdleKeepAliveConnectionsAndReleasesThem(@TempDir Path dir) throws Exception {
    // Both JVMs raise their soft limit to the hard one at start (MaxFDLimit); each needs a
    // descriptor per connection plus its jars and the upstream sockets.
    assertThat(openFilesLimit()).as("ulimit -n of the test JVM: this test needs %d descriptors per process", FD_NEEDED)
        .isGreaterThanOrEqualTo(FD_NEEDED);
    try (KeepAliveBackend backend = KeepAliveBackend.start();
         ProxyProcess proxy = ProxyProcess.start(dir, config(backend.port()), "web", JVM_FLAGS, 30)) {
      // A first burst loads the classes of the request path and fills the upstream pool, so that
      // the baseline is the proxy in service, not the proxy just started.
      try (IdleConnections warm = new IdleConnections(proxy.listenAddress())) {
        IdleConnections.Round r = warm.open(MAX_IN_FLIGHT * 2, MAX_IN_FLIGHT, Duration.ofSeconds(20));
        assertThat(r.ok()).as("warm-up %s", r).isEqualTo(MAX_IN_FLIGHT * 2);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> clientConnections(proxy) == 0);
      // the histogram first: it starts the attach listener, whose thread and socket then stay
      ProxyProcess.Histogram liveIdle = proxy.liveHeap();
      long rssIdle = proxy.rssKib();
      long fdIdle = proxy.openFds();
      int upstreamIdle = backend.open.get();
      long threadsIdle = proxy.threads();

      long rssWith;
      long fdWith;
      int upstreamWith;
      ProxyProcess.Histogram liveWith;
      IdleConnections.Round opened;
      IdleConnections.Round again;
      try (IdleConnections clients = new IdleConnections(proxy.listenAddress())) {
        opened = clients.open(CONNECTIONS, MAX_IN_FLIGHT, Duration.ofSeconds(60));
        assertThat(opened.ok()).as("first GET on each connection: %s", opened).isEqualTo(CONNECTIONS);
        assertThat(clientConnections(proxy)).as("keel_proxy_client_connections with all open").isEqualTo(CONNECTIONS);
        rssWith = proxy.rssKib();
        fdWith = proxy.openFds();
        upstreamWith = backend.open.get();
        liveWith = proxy.liveHeap();

        Thread.sleep(HOLD.toMillis()); // the connections stay idle for HOLD: the behaviour under test
        assertThat(clients.pollIdle()).as("connections the proxy closed while idle").isZero();
        assertThat(clients.unaskedBytes()).as("bytes received on idle connections").isZero();
        assertThat(clientConnections(proxy)).as("keel_proxy_client_connections after the hold").isEqualTo(CONNECTIONS);
        again = clients.getOnSample(SAMPLE, MAX_IN_FLIGHT, Duration.ofSeconds(30));
        assertThat(again.ok()).as("second GET on a sample after %s idle: %s", HOLD, again).isEqualTo(SAMPLE);
        assertThat(clients.pollIdle()).isZero();
      }
      long rssHeld = proxy.rssKib();

      // Closed connections must give back their descriptors: what the proxy holds beyond the
      // baseline may only be pooled upstream connections (counted on the backend's side).
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        assertThat(clientConnections(proxy)).as("keel_proxy_client_connections after close").isZero();
        assertThat(proxy.openFds() - backend.open.get())
            .as("proxy fds minus its upstream connections, against the baseline %d - %d", fdIdle, upstreamIdle)
            .isLessThanOrEqualTo(fdIdle - upstreamIdle + 8);
      });
      long fdAfter = proxy.openFds();
      int upstreamAfter = backend.open.get();
      long rssAfter = proxy.rssKib();
      ProxyProcess.Histogram liveAfter = proxy.liveHeap();

      log.info("FIGURES idle10k: proxy JVM {} workers={}; {} connections opened in {} ms ({} at a time), "
              + "second GET on {} after {} s idle in {} ms", JVM_FLAGS, WORKERS, CONNECTIONS, opened.elapsedMillis,
          MAX_IN_FLIGHT, SAMPLE, HOLD.toSeconds(), again.elapsedMillis);
      log.info("FIGURES idle10k: RSS idle {} MiB, with 10k open {} MiB (after the hold and second GETs {} MiB), "
              + "after close {} MiB; {} MiB per 1,000 connections", mib(rssIdle), mib(rssWith), mib(rssHeld), mib(rssAfter),
          String.format("%.1f", (rssWith - rssIdle) / 1024.0 / (CONNECTIONS / 1000.0)));
      if (liveIdle != null && liveWith != null && liveAfter != null) {
        log.info("FIGURES idle10k: live heap (after a full GC) idle {} KiB, with 10k open {} KiB, after close {} KiB: "
                + "{} bytes per connection; largest per connection: {}", liveIdle.totalBytes() / 1024,
            liveWith.totalBytes() / 1024, liveAfter.totalBytes() / 1024, (liveWith.totalBytes() - liveIdle.totalBytes()) / CONNECTIONS,
            liveWith.topGrowth(liveIdle, 8).stream().map(e -> e.getKey() + " " + e.getValue() / CONNECTIONS).toList());
      }
      log.info("FIGURES idle10k: fds idle {} (upstream {}), with 10k {} (upstream {}), after close {} (upstream {}); "
              + "threads {} -> {}", fdIdle, upstreamIdle, fdWith, upstreamWith, fdAfter, upstreamAfter, threadsIdle, proxy.threads());

      if (liveIdle != null && liveWith != null) {
        // Each connection answered one GET and waits for the next: what that GET's head was (its
        // header map, the bytes of its values) is garbage by then, not held until the next request.
        assertThat(liveWith.growth(liveIdle, "io.netty.handler.codec.DefaultHeaders$HeaderEntry") / CONNECTIONS)
            .as("bytes of header entries per idle connection").isLessThan(16);
      }
      assertThat(fdWith).as("the proxy holds a descriptor per client connection").isGreaterThanOrEqualTo(CONNECTIONS);
      assertThat(upstreamWith).as("upstream connections stay pooled, not one per client")
          .isLessThanOrEqualTo(WORKERS * MAX_IDLE_PER_LOOP + MAX_IN_FLIGHT);
      assertThat(rssWith).as("RSS with 10k connections (KiB), see RSS_SANITY_LIMIT_KIB").isLessThan(RSS_SANITY_LIMIT_KIB);
      assertThat(backend.requests.get()).isEqualTo(MAX_IN_FLIGHT * 2L + CONNECTIONS + SAMPLE);
    }
  }

  /** The listener's {@code keel_proxy_client_connections} gauge from {@code /metrics}. */
  private static int clientConnections(ProxyProcess proxy) throws Exception {
    double v = proxy.metric("keel_proxy_client_connections", "listener=\"web\"");
    assertThat(v).as("keel_proxy_client_connections{listener=\"web\"} in /metrics").isNotNaN();
    return (int) v;
  }

  private static String config(int backendPort) {
    // idle well above the hold plus the time to open 10k connections on a slow machine (the
    // first ones opened wait for all the others), so no connection is closed for idleness.
    return "registry: \"static://127.0.0.1:" + backendPort + "\"\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: " + WORKERS + "\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: idle\n"
        + "    timeouts: { connect: 1s, request: 10s, idle: 5m }\n";
  }

  /** The soft "Max open files" of this JVM, from /proc/self/limits. */
  private static long openFilesLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    throw new IllegalStateException("no 'Max open files' in /proc/self/limits");
  }

  private static long mib(long kib) {
    return Math.round(kib / 1024.0);
  }
}
