package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.RegistryKind;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 1: the registry stopped under load for 4 s, then started again on the same
 * port (or ports), for each registry. ZooKeeper and etcd keep their data; Nacos comes back without
 * its ephemeral instances, and the registering client's redo puts them back: the watchers may be
 * pushed an empty set meanwhile, which the empty-update guard holds. Nacos is down for its 4 s plus
 * the time it takes to start (15 to 45 s here).
 */
@Timeout(150) // a real Nacos takes 15 to 45 s to start again on this kind of machine
class RegistryRestartIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(RegistryRestartIntegrationTest.class);

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#available")
  void routingGoesOnWhileTheRegistryIsDownAndFollowsItOnceBack(RegistryKind kind) throws Exception {
    try (Cluster cluster = new Cluster(kind.start(), 3, "");
         Load viaProxy = new Load(kind + "-down/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load(kind + "-down/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));
      long sentBefore = viaProxy.sent.get() + viaClient.sent.get();
      cluster.registry.stop();
      long stopped = System.nanoTime();
      Thread.sleep(4000); // the 4 s outage under test, not a wait for a condition
      cluster.registry.start(); // returns once it serves again: a real Nacos takes a while to start
      long restarted = System.nanoTime();
      long sentWhileDown = viaProxy.sent.get() + viaClient.sent.get() - sentBefore;
      long failedWhileDown = viaProxy.failed.get() + viaClient.failed.get();
      KillableBackend b3 = cluster.startBackend("b3");
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
        cluster.register(b3);
        return true;
      });
      long registered = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> viaProxy.answeredBy("b3") > 0 && viaClient.answeredBy("b3") > 0);
      long routed = System.nanoTime();
      cluster.awaitEverywhere(Duration.ofSeconds(10), Set.of("b0", "b1", "b2", "b3"));
      log.info("FIGURES {}-down: down {} ms; requests while down={} failed while down={}; new backend registered {} ms"
          + " after the restart, routed to through both {} ms after its registration; registry, proxy and client all"
          + " hold b0..b3 {} ms after the restart", kind, (restarted - stopped) / 1_000_000, sentWhileDown,
          failedWhileDown, (registered - restarted) / 1_000_000, (routed - registered) / 1_000_000,
          (System.nanoTime() - restarted) / 1_000_000);
      viaProxy.stop();
      viaClient.stop();
      assertThat(sentWhileDown).isGreaterThan(100);
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
