package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.nacos.fixture.NacosRelay;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.NacosFixture;
import dev.keel.reliability.support.Recovery;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 2, Nacos, on a real server: a client's gRPC connection is cut on the wire (a
 * {@link NacosRelay} resets it and refuses new ones), which ends its registrations and subscriptions
 * on the server. Once the link is back, nacos-client reconnects and redoes both; the proxy and the
 * in-app client must route to the registered instance again and end with exactly the registry's set.
 * Nacos has no sessions or leases besides the connection, and no revisions to compact.
 */
@Tag(NacosServer.TAG)
@Timeout(120) // the first Nacos test in the JVM starts the server
class NacosConnectionDropIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(NacosConnectionDropIntegrationTest.class);
  private static final Duration WITHIN = Duration.ofSeconds(10);

  @Test
  void anInstanceWhoseConnectionWasCutComesBackEverywhere() throws Exception {
    try (Cluster cluster = new Cluster(NacosFixture.open(), 2, "");
         NacosRelay relay = NacosRelay.to(((NacosFixture) cluster.registry).server());
         RegistryClient victim = Registries.open(cluster.registry.uriVia(relay.port(), ""))) {
      KillableBackend b2 = cluster.startBackend("b2");
      victim.register(Cluster.instance(b2));
      try (Recovery load = new Recovery(cluster, "nacos-drop")) {
        load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

        relay.cut();
        long cut = System.nanoTime();
        long gone = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1")); // the server dropped the connection's instance
        int[] before = load.answers("b2");
        relay.restore();
        long restored = System.nanoTime();
        long back = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1", "b2"));
        long routed = load.awaitRoutedAgain(WITHIN, "b2", before);
        log.info("FIGURES nacos-drop/registrar: b2 gone from Nacos, proxy and client {} ms after the cut; after the"
            + " link came back ({} ms cut), registered again (nacos-client redo) and held everywhere in {} ms, routed"
            + " to through both {} ms later", gone, (restored - cut) / 1_000_000, back, routed);
        load.stopAndAssertNoFailures();
      }
    }
  }

  @Test
  void watchersWhoseConnectionsWereCutWhileTheSetChangedEndWithTheExactSet() throws Exception {
    try (NacosFixture nacos = NacosFixture.open();
         NacosRelay relay = NacosRelay.to(nacos.server());
         Cluster cluster = new Cluster(nacos, 3, "", relay.port());
         Recovery load = new Recovery(cluster, "nacos-drop-watch")) {
      load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

      Set<String> subscribers = nacos.subscriberConnections(Cluster.SERVICE);
      assertThat(subscribers).as("the proxy's and the client's connections").hasSize(2);
      relay.cut();
      long cut = System.nanoTime();
      // b1 leaves while the watchers cannot hear it (it stays up: a stale entry would still be routed to), b3 joins
      cluster.deregister(cluster.backends.get(1));
      cluster.addBackend("b3");
      await().atMost(WITHIN).until(() -> cluster.registry.instanceIds(Cluster.SERVICE).equals(Set.of("b0", "b2", "b3")));
      relay.restore();
      long restored = System.nanoTime();
      long corrected = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b2", "b3"));
      long routed = load.awaitRoutedAgain(WITHIN, "b3", new int[] {0, 0});
      Recovery.Departed b1 = load.watchDeparted("b1");
      Set<String> now = nacos.subscriberConnections(Cluster.SERVICE);
      log.info("FIGURES nacos-drop/watchers: cut {} ms; proxy and client subscribed again on new connections and hold"
          + " exactly b0, b2, b3 {} ms after the link came back, b3 routed to through both {} ms later",
          (restored - cut) / 1_000_000, corrected, routed);
      load.stopAndAssertNoFailures();
      assertThat(now).as("subscribed again, on new connections").hasSize(2).doesNotContainAnyElementsOf(subscribers);
      b1.assertNoNewAnswers();
    }
  }
}
