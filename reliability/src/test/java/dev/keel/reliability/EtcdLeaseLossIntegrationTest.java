package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.EtcdFixture;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Recovery;
import dev.keel.testsupport.TcpRelay;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 2, etcd lease loss: the lease of the client that registered {@code b2} is
 * revoked by an operator, or expires because that client is cut off from etcd (a {@link TcpRelay})
 * for longer than its TTL, so that no keep-alive gets through. Either way etcd deletes the key;
 * the client must grant a new lease and put the key again, and the proxy and the in-app client
 * must route to {@code b2} again.
 */
@Timeout(40)
class EtcdLeaseLossIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(EtcdLeaseLossIntegrationTest.class);
  private static final Duration WITHIN = Duration.ofSeconds(10);

  @Test
  void anInstanceWhoseLeaseWasRevokedComesBackEverywhere() throws Exception {
    try (Cluster cluster = new Cluster(EtcdFixture.open(), 2, "");
         RegistryClient victim = Registries.open(cluster.registry.uri("ttl=3s"))) {
      EtcdFixture etcd = (EtcdFixture) cluster.registry;
      KillableBackend b2 = cluster.startBackend("b2");
      victim.register(Cluster.instance(b2));
      try (Recovery load = new Recovery(cluster, "etcd-revoke")) {
        load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

        String lease = etcd.leaseOf(Cluster.SERVICE, "b2");
        assertThat(etcd.etcdctl("lease", "list")).contains(lease);
        int[] before = load.answers("b2");
        etcd.etcdctl("lease", "revoke", lease); // etcd deletes every key attached to it, b2's included
        long revoked = System.nanoTime();
        await().atMost(WITHIN).ignoreExceptions().until(() -> !etcd.leaseOf(Cluster.SERVICE, "b2").equals(lease));
        long putAgain = (System.nanoTime() - revoked) / 1_000_000;
        long back = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1", "b2"));
        long routed = load.awaitRoutedAgain(WITHIN, "b2", before);
        log.info("FIGURES etcd-lease/revoke: key put again under a new lease {} ms after the revoke (ttl 3 s), proxy"
            + " and client hold b0..b2 {} ms later, b2 routed to through both {} ms after that", putAgain, back, routed);
        load.stopAndAssertNoFailures();
      }
    }
  }

  @Test
  void anInstanceWhoseKeepAlivesWereCutOffPastItsTtlComesBackEverywhere() throws Exception {
    try (Cluster cluster = new Cluster(EtcdFixture.open(), 2, "");
         TcpRelay relay = new TcpRelay(cluster.registry.port());
         RegistryClient victim = Registries.open(cluster.registry.uriVia(relay.port(), "ttl=2s"))) {
      KillableBackend b2 = cluster.startBackend("b2");
      victim.register(Cluster.instance(b2));
      try (Recovery load = new Recovery(cluster, "etcd-keepalive")) {
        load.awaitRoutedToEach(WITHIN, Set.of("b0", "b1", "b2"));

        relay.cut();
        long cut = System.nanoTime();
        long gone = cluster.awaitEverywhere(WITHIN, Set.of("b0", "b1")); // the lease expired: etcd deleted the key
        int[] before = load.answers("b2");
        relay.restore();
        long restored = System.nanoTime();
        long back = cluster.awaitEverywhere(Duration.ofSeconds(15), Set.of("b0", "b1", "b2"));
        long routed = load.awaitRoutedAgain(WITHIN, "b2", before);
        log.info("FIGURES etcd-lease/keepalive-cut: key gone from etcd, proxy and client {} ms after the cut (ttl 2 s);"
            + " after the link came back ({} ms cut), back everywhere in {} ms, routed to through both {} ms later",
            gone, (restored - cut) / 1_000_000, back, routed);
        load.stopAndAssertNoFailures();
      }
    }
  }
}
