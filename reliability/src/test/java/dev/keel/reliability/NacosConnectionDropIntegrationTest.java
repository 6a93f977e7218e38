package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.nacos.testserver.NacosTestServer;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.NacosFixture;
import dev.keel.reliability.support.Recovery;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 2, Nacos: a client's gRPC connection is dropped by the server (what Nacos does
 * when a connection fails its health check), which ends its registrations and subscriptions there.
 * nacos-client reconnects and redoes both; the proxy and the in-app client must route to the
 * registered instance again and end with exactly the registry's set. Nacos has no sessions or
 * leases besides the connection, and no revisions to compact.
 */
@Timeout(40)
class NacosConnectionDropIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(NacosConnectionDropIntegrationTest.class);
  private static final Duration WITHIN = Duration.ofSeconds(10);

  @Test
  void anInstanceWhoseConnectionWasDroppedComesBackEverywhere() throws Exception {
    try (Cluster cluster = new Cluster(NacosFixture.open(), 2, "")) {
      NacosTestServer nacos = ((NacosFixture) cluster.registry).server();
      KillableBackend b2 = cluster.startBackend("b2");
      Set<String> others = nacos.connectionIds();
      try (RegistryClient victim = Registries.open(cluster.registry.uri(""))) {
        victim.register(Cluster.instance(b2));
        Set<String> victimConnections = new HashSet<>(nacos.connectionIds());
        victimConnections.removeAll(others);
        assertThat(victimConnections).as("the connection of the client that registered b2").hasSize(1);
        try (Recovery load = new Recovery(cluster, "nacos-drop")) {
          load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

          int[] before = load.answers("b2");
          nacos.dropConnection(victimConnections.iterator().next());
          assertThat(cluster.registry.instanceIds(Cluster.SERVICE)).as("b2 went with its connection")
              .doesNotContain("b2");
          long back = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1", "b2"));
          long routed = load.awaitRoutedAgain(WITHIN, "b2", before);
          log.info("FIGURES nacos-drop/registrar: b2 registered again (nacos-client redo) and held by the proxy and"
              + " the client {} ms after its connection was dropped, routed to through both {} ms later",
              back, routed);
          load.stopAndAssertNoFailures();
        }
      }
    }
  }

  @Test
  void watchersWhoseConnectionsWereDroppedWhileTheSetChangedEndWithTheExactSet() throws Exception {
    try (Cluster cluster = new Cluster(NacosFixture.open(), 3, "");
         Recovery load = new Recovery(cluster, "nacos-drop-watch")) {
      NacosTestServer nacos = ((NacosFixture) cluster.registry).server();
      load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

      Set<String> subscribers = nacos.subscribersOf(Cluster.SERVICE);
      assertThat(subscribers).as("the proxy's and the client's connections").hasSize(2);
      subscribers.forEach(nacos::dropConnection);
      // b1 leaves (it stays up: a stale entry would still get requests) and b3 joins while they reconnect
      cluster.deregister(cluster.backends.get(1));
      cluster.addBackend("b3");
      long corrected = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b2", "b3"));
      long routed = load.awaitRoutedAgain(WITHIN, "b3", new int[] {0, 0});
      Recovery.Departed b1 = load.watchDeparted("b1");
      Set<String> now = nacos.subscribersOf(Cluster.SERVICE);
      log.info("FIGURES nacos-drop/watchers: proxy and client hold exactly b0, b2, b3 {} ms after their connections"
          + " were dropped, b3 routed to through both {} ms later; subscribed again on {} (dropped: {})",
          corrected, routed, now, subscribers);
      load.stopAndAssertNoFailures();
      assertThat(now).as("subscribed again, on new connections").hasSize(2).doesNotContainAnyElementsOf(subscribers);
      b1.assertNoNewAnswers();
    }
  }
}
