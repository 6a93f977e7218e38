package dev.keel.registry.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.GuaranteedDeletes;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** A Curator client passed in outlives Keel's client, and so must not keep Keel's nodes. */
class CallerCuratorTest {
  @Test
  void closingWhileZooKeeperIsDownStillDeletesOurNodesOnceItIsBack() throws Exception {
    try (TestingServer server = ZooKeeperTesting.startServer();
        // 1 s connection timeout, one retry: a delete in flight while the server is down gives up in about 2 s
        CuratorFramework curator = CuratorFrameworkFactory.newClient(server.getConnectString(), 30_000, 1_000,
            new RetryOneTime(100))) {
      curator.start();
      curator.blockUntilConnected();
      RegistryClient keel = ZooKeeperRegistry.builder().curator(curator).basePath("/services")
          .options(RegistryOptions.builder().resolveTimeout(Duration.ofSeconds(1)).build()).build();
      keel.register(ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9001).build());
      long session = curator.getZookeeperClient().getZooKeeper().getSessionId();

      CountDownLatch queuedForRetry = new CountDownLatch(1);
      GuaranteedDeletes.onQueuedForRetry(curator, path -> queuedForRetry.countDown());

      server.stop();
      keel.close();
      // The delete in flight has given up: only its retry after reconnecting can remove the node now.
      assertThat(queuedForRetry.await(15, TimeUnit.SECONDS)).as("the delete handed to Curator's guaranteed retry").isTrue();
      server.restart();

      // Same session (the server kept it across the restart), so the node did not go by itself.
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(curator.getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(session);
        assertThat(curator.checkExists().forPath("/services/orders/i-1")).isNull();
      });
      assertThat(curator.getState()).isEqualTo(CuratorFrameworkState.STARTED);
    }
  }
}
