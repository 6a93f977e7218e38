package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Issue #10 scenario 1: ZooKeeper stopped under load, then restarted on the same port. */
@Timeout(30)
class RegistryRestartIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(RegistryRestartIntegrationTest.class);

  @Test
  void routingGoesOnWhileZooKeeperIsDownAndFollowsItOnceBack() throws Exception {
    try (Cluster cluster = new Cluster(3, "");
         Load viaProxy = new Load("zk-down/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load("zk-down/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));
      long sentBefore = viaProxy.sent.get() + viaClient.sent.get();
      cluster.zk.stop();
      Thread.sleep(4000);
      long sentWhileDown = viaProxy.sent.get() + viaClient.sent.get() - sentBefore;
      long failedWhileDown = viaProxy.failed.get() + viaClient.failed.get();
      cluster.zk.restart();
      long restarted = System.nanoTime();
      KillableBackend b3 = KillableBackend.start("b3");
      try {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
          cluster.register(b3);
          return true;
        });
        long registered = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() ->
            viaProxy.answeredBy("b3") > 0 && viaClient.answeredBy("b3") > 0);
        log.info("FIGURES zk-down: requests while down={} failed while down={}; new backend registered {} ms after"
            + " the restart, routed to through both {} ms after its registration", sentWhileDown, failedWhileDown,
            (registered - restarted) / 1_000_000, (System.nanoTime() - registered) / 1_000_000);
        viaProxy.stop();
        viaClient.stop();
      } finally {
        b3.close();
      }
      assertThat(sentWhileDown).isGreaterThan(100);
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
