package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Recovery;
import dev.keel.reliability.support.ZooKeeperFixture;
import dev.keel.testsupport.TcpRelay;
import dev.keel.testsupport.ZooKeeperSessions;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 2, ZooKeeper: sessions that really expire. A client is cut off from ZooKeeper
 * (a {@link TcpRelay}) for longer than its 1 s session, so the server ends the session and deletes
 * its ephemeral nodes, as after a network partition or a long GC pause; then the link comes back.
 * ZooKeeper runs with a 250 ms tick so that such short sessions are granted.
 */
@Timeout(40)
class ZooKeeperSessionExpiryIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperSessionExpiryIntegrationTest.class);
  private static final Duration WITHIN = Duration.ofSeconds(10);

  @Test
  void anInstanceWhoseRegistrarSessionExpiredComesBackEverywhere() throws Exception {
    try (Cluster cluster = new Cluster(ZooKeeperFixture.openWithShortSessions(), 2, "");
         TcpRelay relay = new TcpRelay(cluster.registry.port());
         RegistryClient victim = Registries.open(cluster.registry.uriVia(relay.port(), "session-timeout=1s"))) {
      KillableBackend b2 = cluster.startBackend("b2");
      victim.register(Cluster.instance(b2));
      try (Recovery load = new Recovery(cluster, "zk-session")) {
        load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

        relay.cut();
        long cut = System.nanoTime();
        long gone = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1")); // the server expired the session
        int[] before = load.answers("b2");
        relay.restore();
        long restored = System.nanoTime();
        long back = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1", "b2"));
        long routed = load.awaitRoutedAgain(WITHIN, "b2", before);
        log.info("FIGURES zookeeper-session/registrar: node gone from ZooKeeper, proxy and client {} ms after the cut"
            + " (session 1 s); after the link came back ({} ms cut), back everywhere in {} ms, routed to through both"
            + " {} ms later", gone, (restored - cut) / 1_000_000, back, routed);
        load.stopAndAssertNoFailures();
      }
    }
  }

  @Test
  void watchersWhoseSessionExpiredWhileTheSetChangedEndWithTheExactSet() throws Exception {
    try (ZooKeeperFixture zk = ZooKeeperFixture.openWithShortSessions();
         TcpRelay relay = new TcpRelay(zk.port());
         Cluster cluster = new Cluster(zk, 3, "session-timeout=1s", relay.port());
         Recovery load = new Recovery(cluster, "zk-session-watch")) {
      load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

      Set<Long> watchers = ZooKeeperSessions.connectedFrom(zk.port(), relay.upstreamPorts());
      assertThat(watchers).as("the proxy's and the client's sessions, through the relay").isNotEmpty();
      relay.cut();
      long cut = System.nanoTime();
      // b1 leaves while the watchers cannot hear it (it stays up: a stale entry would still be routed to), b3 joins
      cluster.deregister(cluster.backends.get(1));
      cluster.addBackend("b3");
      // the server expires the proxy's and the client's sessions (1 s) while they are cut off
      await().atMost(WITHIN).until(() -> Collections.disjoint(ZooKeeperSessions.tracked(zk.port()), watchers));
      relay.restore();
      long restored = System.nanoTime();
      long corrected = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b2", "b3"));
      long routed = load.awaitRoutedAgain(WITHIN, "b3", new int[] {0, 0});
      Recovery.Departed b1 = load.watchDeparted("b1");
      log.info("FIGURES zookeeper-session/watchers: cut {} ms; proxy and client hold exactly b0, b2, b3 {} ms after the"
          + " link came back, b3 routed to through both {} ms later", (restored - cut) / 1_000_000, corrected, routed);
      load.stopAndAssertNoFailures();
      b1.assertNoNewAnswers();
    }
  }
}
