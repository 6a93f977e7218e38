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

/**
 * Issue #10 scenario 7: the three backends restarted one after another (deregister, stop, start,
 * register) under load. ZooKeeper only: what it exercises is the backends' turnover, which every
 * registry delivers as the same set updates (a run over etcd and Nacos too passed, at 3x the time).
 */
@Timeout(30)
class RollingRestartIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(RollingRestartIntegrationTest.class);

  @Test
  void noGetFailsDuringARollingRestart() throws Exception {
    try (Cluster cluster = new Cluster(3, "");
         Load viaProxy = new Load("rolling/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load("rolling/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));
      for (KillableBackend b : cluster.backends) {
        cluster.deregister(b);
        Thread.sleep(500); // the deregistration reaches the watchers
        b.kill();
        Thread.sleep(200);
        b.restart();
        int proxyBefore = viaProxy.answeredBy(b.name());
        int clientBefore = viaClient.answeredBy(b.name());
        long registered = System.nanoTime();
        cluster.register(b);
        await().atMost(Duration.ofSeconds(10)).until(() ->
            viaProxy.answeredBy(b.name()) > proxyBefore && viaClient.answeredBy(b.name()) > clientBefore);
        log.info("FIGURES rolling: {} answering through both again {} ms after its registration",
            b.name(), (System.nanoTime() - registered) / 1_000_000);
      }
      viaProxy.stop();
      viaClient.stop();
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
