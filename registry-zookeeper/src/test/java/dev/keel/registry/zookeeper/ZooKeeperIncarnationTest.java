package dev.keel.registry.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process killed with -9 leaves its node until its session times out; the restarted process
 * registers the same id meanwhile. Watchers must see that as a new incarnation, though every field
 * is the same, or a balancer keeps the dead process's ejection on the new one.
 */
class ZooKeeperIncarnationTest {
  @RegisterExtension static final SharedZooKeeper server = new SharedZooKeeper();

  @Test
  void aRestartedProcessRegisteringTheSameIdIsDeliveredAsANewIncarnation() throws Exception {
    ServiceInstance orders = ServiceInstance.builder().service("orders").id("o-1").host("127.0.0.1").port(9001).build();
    try (CuratorFramework dead = ZooKeeperTesting.curator(server.connectString());
         RegistryClient watcher = Registries.open("zookeeper://" + server.connectString() + "/inc");
         RegistryClient restarted = Registries.open("zookeeper://" + server.connectString() + "/inc")) {
      // The killed process's node: still there, as it is until its session times out.
      dead.create().creatingParentsIfNeeded().forPath("/inc/orders/o-1",
          new InstanceCodec(ZooKeeperRegistry.MAP_PAYLOAD).encode(orders, 1_700_000_000_000L));
      Recorder watch = new Recorder();
      watcher.watch("orders", watch);
      await().atMost(Duration.ofSeconds(10)).until(() -> watch.count() > 0 && watch.latest().size() == 1);
      String before = watch.latest().instances().get(0).incarnation();
      assertThat(before).isNotEmpty();

      restarted.register(orders);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(watch.latest().instances()).singleElement().satisfies(i -> {
            assertThat(i).isEqualTo(orders);
            assertThat(i.incarnation()).isNotEqualTo(before);
          }));
      assertThat(new String(dead.getData().forPath("/inc/orders/o-1"), UTF_8)).doesNotContain("1700000000000");
    }
  }

  @Test
  void aNodeWithoutRegistrationTimeIsKnownByItsCreation() throws Exception {
    try (CuratorFramework raw = ZooKeeperTesting.curator(server.connectString());
         RegistryClient watcher = Registries.open("zookeeper://" + server.connectString() + "/inc2")) {
      byte[] bare = "{\"address\":\"127.0.0.1\",\"port\":9001,\"id\":\"o-1\"}".getBytes(UTF_8);
      raw.create().creatingParentsIfNeeded().forPath("/inc2/orders/o-1", bare);
      String first = watcher.resolve("orders").instances().get(0).incarnation();
      raw.delete().forPath("/inc2/orders/o-1");
      raw.create().forPath("/inc2/orders/o-1", bare);
      String second = watcher.resolve("orders").instances().get(0).incarnation();
      assertThat(first).isNotEmpty();
      assertThat(second).isNotEmpty().isNotEqualTo(first);
    }
  }
}
