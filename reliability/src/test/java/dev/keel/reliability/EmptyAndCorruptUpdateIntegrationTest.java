package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Issue #10 scenario 3: an empty set pushed (all nodes deleted and re-created), then a malformed node. */
@Timeout(30)
class EmptyAndCorruptUpdateIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(EmptyAndCorruptUpdateIntegrationTest.class);
  private static final String PATH = "/services/" + Cluster.SERVICE;

  @Test
  void anEmptyPushAndAMalformedNodeFailNoRequest() throws Exception {
    try (Cluster cluster = new Cluster(3, "");
         CuratorFramework zk = CuratorFrameworkFactory.newClient(cluster.zk.getConnectString(), 30_000, 5_000,
             new RetryOneTime(100));
         Load viaProxy = new Load("empty/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load("empty/client", 4, () -> cluster.clientGet("/work"))) {
      zk.start();
      assertThat(zk.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));

      Map<String, byte[]> nodes = new LinkedHashMap<>();
      for (String child : zk.getChildren().forPath(PATH)) {
        nodes.put(child, zk.getData().forPath(PATH + "/" + child));
      }
      assertThat(nodes).hasSize(3);
      for (String child : nodes.keySet()) {
        zk.delete().forPath(PATH + "/" + child);
      }
      assertThat(zk.getChildren().forPath(PATH)).isEmpty(); // the watchers are pushed an empty set
      Thread.sleep(1000); // well inside the 3 s empty-confirm window
      for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
        try {
          zk.create().withMode(CreateMode.EPHEMERAL).forPath(PATH + "/" + e.getKey(), e.getValue());
        } catch (KeeperException.NodeExistsException restoredByTheRegistrar) {
          // the registering client put it back itself
        }
      }
      Thread.sleep(3000); // past the confirmation read
      long failedAfterEmpty = viaProxy.failed.get() + viaClient.failed.get();

      zk.create().withMode(CreateMode.EPHEMERAL).forPath(PATH + "/garbage", "{not json".getBytes(StandardCharsets.UTF_8));
      Thread.sleep(1000);
      KillableBackend b3 = cluster.addBackend("b3"); // later updates are still applied
      long registered = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> viaProxy.answeredBy("b3") > 0 && viaClient.answeredBy("b3") > 0);
      log.info("FIGURES empty/corrupt: failed after the empty push={}; backend added after the malformed node routed"
          + " to through both {} ms after its registration", failedAfterEmpty, (System.nanoTime() - registered) / 1_000_000);
      viaProxy.stop();
      viaClient.stop();
      assertThat(b3.requests.get()).isPositive();
      assertThat(cluster.status()).contains("\"b0\"", "\"b1\"", "\"b2\"", "\"b3\"").doesNotContain("garbage");
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
    }
  }
}
