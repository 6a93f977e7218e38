package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.RegistryKind;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 7: the three backends restarted one after another (deregister, stop, start,
 * register) under load, over ZooKeeper and over Nacos (when a server is named): what it exercises is
 * the backends' turnover, which every registry delivers as set updates (a run over etcd too passed).
 */
@Timeout(120) // the first Nacos variant in the JVM starts the server
class RollingRestartIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(RollingRestartIntegrationTest.class);

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#zooKeeperAndNacos")
  void noGetFailsDuringARollingRestart(RegistryKind kind) throws Exception {
    String label = kind == RegistryKind.ZOOKEEPER ? "rolling" : kind + "-rolling";
    try (Cluster cluster = new Cluster(kind.start(), 3, "");
         Load viaProxy = new Load(label + "/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load(label + "/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));
      for (KillableBackend b : cluster.backends) {
        cluster.deregister(b);
        Set<String> others = cluster.backends.stream().map(KillableBackend::name).filter(n -> !n.equals(b.name()))
            .collect(Collectors.toSet());
        cluster.awaitEverywhere(Duration.ofSeconds(10), others); // the deregistration reached the watchers
        b.kill();
        b.restart();
        int proxyBefore = viaProxy.answeredBy(b.name());
        int clientBefore = viaClient.answeredBy(b.name());
        long registered = System.nanoTime();
        cluster.register(b);
        await().atMost(Duration.ofSeconds(10)).until(() ->
            viaProxy.answeredBy(b.name()) > proxyBefore && viaClient.answeredBy(b.name()) > clientBefore);
        log.info("FIGURES {}: {} answering through both again {} ms after its registration",
            label, b.name(), (System.nanoTime() - registered) / 1_000_000);
      }
      viaProxy.stop();
      viaClient.stop();
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
