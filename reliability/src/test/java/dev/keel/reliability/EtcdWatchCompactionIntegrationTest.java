package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.EtcdFixture;
import dev.keel.reliability.support.Recovery;
import dev.keel.testsupport.TcpRelay;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 2, etcd watch compaction: the proxy and the in-app client are cut off from etcd
 * (a {@link TcpRelay}) while the set changes, and etcd compacts past every revision they saw. When
 * the link comes back their resumed watches are refused (the revision is compacted); they must
 * re-list and end with exactly the registry's set: the departed {@code b1} (still up, so a stale
 * entry would still get requests) gone, the new {@code b3} there.
 */
@Timeout(40)
class EtcdWatchCompactionIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(EtcdWatchCompactionIntegrationTest.class);
  private static final Duration WITHIN = Duration.ofSeconds(15);

  @Test
  void watchersThatMissedCompactedRevisionsEndWithTheExactSet() throws Exception {
    try (EtcdFixture etcd = EtcdFixture.open();
         TcpRelay relay = new TcpRelay(etcd.port());
         Cluster cluster = new Cluster(etcd, 3, "", relay.port());
         Recovery load = new Recovery(cluster, "etcd-compaction")) {
      load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

      long seen = etcd.revision(); // the watchers have nothing newer
      relay.cut();
      long cut = System.nanoTime();
      cluster.deregister(cluster.backends.get(1));
      cluster.addBackend("b3");
      long compacted = etcd.revision();
      etcd.etcdctl("compact", Long.toString(compacted));
      assertThat(compacted).as("revisions the watchers missed, now compacted").isGreaterThan(seen);
      // The cut broke the watchers' streams before the changes: whenever they reconnect, they resume
      // from a revision that is now compacted. Nothing to wait for.
      relay.restore();
      long restored = System.nanoTime();
      long corrected = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b2", "b3"));
      long routed = load.awaitRoutedAgain(WITHIN, "b3", new int[] {0, 0});
      Recovery.Departed b1 = load.watchDeparted("b1");
      log.info("FIGURES etcd-compaction: cut {} ms, compacted revisions {}..{}; proxy and client hold exactly b0, b2, b3"
          + " {} ms after the link came back, b3 routed to through both {} ms later", (restored - cut) / 1_000_000,
          seen + 1, compacted, corrected, routed);
      load.stopAndAssertNoFailures();
      b1.assertNoNewAnswers();
    }
  }
}
