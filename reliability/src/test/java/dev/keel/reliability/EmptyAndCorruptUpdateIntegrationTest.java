package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.RegistryKind;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 3: an empty set pushed to the watchers, then a malformed entry, for each
 * registry. What that means per registry (see {@code RegistryFixture}'s implementations):
 * <ul>
 *   <li>ZooKeeper: the three instance nodes deleted with a raw Curator client and re-created 1 s
 *       later; a node {@code garbage} holding {@code {not json}}.
 *   <li>etcd: the three keys deleted and put back 1 s later under their lease; a key
 *       {@code garbage} holding {@code {not json}}, put with {@code etcdctl}.
 *   <li>Nacos: an ephemeral instance can only be removed by its own connection, so the registrar's
 *       connection is cut at its relay (the server drops its instances and pushes the subscribers
 *       an empty list, as when a connection fails its health check) and restored 1 s later, when
 *       nacos-client reconnects and its redo registers the instances again; the malformed entry is an
 *       instance with port 0 registered by a plain nacos-client, which Keel cannot map (Nacos has
 *       no raw value to corrupt).
 * </ul>
 */
@Timeout(120) // the first Nacos variant in the JVM starts the server
class EmptyAndCorruptUpdateIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(EmptyAndCorruptUpdateIntegrationTest.class);
  private static final Pattern MALFORMED_COUNTED = Pattern.compile("\"malformedEntries\":\\s*[1-9]");

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#available")
  void anEmptyPushAndAMalformedEntryFailNoRequest(RegistryKind kind) throws Exception {
    try (Cluster cluster = new Cluster(kind.start(), 3, "");
         Load viaProxy = new Load(kind + "-empty/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load(kind + "-empty/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));

      Runnable putBack = cluster.registry.deleteInstances(Cluster.SERVICE);
      assertThat(cluster.registry.instanceIds(Cluster.SERVICE)).as("the watchers are pushed an empty set").isEmpty();
      Thread.sleep(1000); // the empty period under test, well inside the 3 s empty-confirm window
      putBack.run();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> cluster.registry.instanceIds(Cluster.SERVICE).equals(Set.of("b0", "b1", "b2")));
      Thread.sleep(3000); // the 3 s confirmation window passes under load: the behaviour under test
      long failedAfterEmpty = viaProxy.failed.get() + viaClient.failed.get();

      cluster.registry.writeGarbage(Cluster.SERVICE, "garbage");
      assertThat(cluster.registry.instanceIds(Cluster.SERVICE)).contains("garbage");
      // the proxy and the client have read the malformed entry: skipped and counted
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.clientRegistry.health().malformedEntries() > 0
          && MALFORMED_COUNTED.matcher(cluster.status()).find());
      KillableBackend b3 = cluster.addBackend("b3"); // later updates are still applied
      long registered = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> viaProxy.answeredBy("b3") > 0 && viaClient.answeredBy("b3") > 0);
      log.info("FIGURES {}-empty/corrupt: failed after the empty push={}; backend added after the malformed entry"
          + " routed to through both {} ms after its registration", kind, failedAfterEmpty,
          (System.nanoTime() - registered) / 1_000_000);
      viaProxy.stop();
      viaClient.stop();
      assertThat(b3.requests.get()).isPositive();
      assertThat(cluster.proxyIds()).containsExactly("b0", "b1", "b2", "b3");
      assertThat(cluster.clientIds()).containsExactly("b0", "b1", "b2", "b3");
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
