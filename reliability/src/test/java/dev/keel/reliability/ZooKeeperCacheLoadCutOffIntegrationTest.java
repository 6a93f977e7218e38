package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.zookeeper.ZooKeeperRegistry;
import dev.keel.reliability.support.Zk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What made the ZooKeeper variant of {@link RegistryRestartIntegrationTest} flaky under load: the
 * registry went down while the in-app client's watch was still loading, between the cache's read of
 * the service node and the listing of its children. Curator's cache then reports itself initialized
 * with no children, and after the reconnection does not list them again (the service node's cversion
 * has not changed). The watch must not publish that as the membership: its listener (the client's
 * balancer, which started from {@code resolve}) must never get an empty set, and must see every
 * instance once the connection is back. The cut is made deterministic: the watching client's
 * ZooKeeper handle drops its connection when the cache lists the children, and Curator does not
 * retry (as when its retries are spent while the server is down).
 */
@Timeout(30)
class ZooKeeperCacheLoadCutOffIntegrationTest {
  private static final String SERVICE = "demo";
  private static final List<String> IDS = List.of("b0", "b1", "b2");

  private TestingServer server;
  private RegistryClient owner;
  private CuratorFramework curator;
  private RegistryClient watcher;
  private final AtomicBoolean dropNextListing = new AtomicBoolean();

  @BeforeEach
  void start() throws Exception {
    server = Zk.start();
    owner = ZooKeeperRegistry.builder().connectString(server.getConnectString()).build();
    for (int i = 0; i < IDS.size(); i++) {
      owner.register(ServiceInstance.builder().service(SERVICE).id(IDS.get(i)).host("127.0.0.1").port(9000 + i).build());
    }
    curator = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .sessionTimeoutMs(30_000).connectionTimeoutMs(5_000).retryPolicy(new RetryNTimes(0, 0))
        .zookeeperFactory((connectString, sessionTimeout, w, canBeReadOnly) ->
            new DroppingZooKeeper(connectString, sessionTimeout, w, canBeReadOnly))
        .build();
    curator.start();
    assertThat(curator.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {watcher, curator, owner, server}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aWatchWhoseFirstListingIsCutOffNeverPublishesAnEmptySetAndCatchesUpOnReconnection() {
    watcher = ZooKeeperRegistry.builder().curator(curator).build();
    assertThat(watcher.resolve(SERVICE).instances()).hasSize(IDS.size()); // what the balancer starts with
    List<InstanceSet> received = new CopyOnWriteArrayList<>();

    dropNextListing.set(true);
    watcher.watch(SERVICE, received::add);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(dropNextListing).as("the cache's listing was cut off").isFalse();
      assertThat(received).as("snapshots delivered").isNotEmpty();
      assertThat(ids(received.get(received.size() - 1))).as("the listener holds (received %s)", received).isEqualTo(IDS);
    });
    assertThat(received).as("snapshots delivered to the listener").allMatch(s -> s.size() == IDS.size());
  }

  private static List<String> ids(InstanceSet set) {
    return set.instances().stream().map(ServiceInstance::id).sorted().toList();
  }

  /**
   * A real ZooKeeper handle that, once armed, drops its connection when asked to list the service
   * node's children and fails that listing with a connection loss; it then reconnects in the same
   * session, as after a short server outage.
   */
  @SuppressWarnings("try") // ZooKeeper's own close() throws InterruptedException; only getChildren changes here
  private final class DroppingZooKeeper extends ZooKeeper {
    DroppingZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly)
        throws IOException {
      super(connectString, sessionTimeout, watcher, canBeReadOnly);
    }

    @Override
    public void getChildren(String path, boolean watch, AsyncCallback.Children2Callback cb, Object ctx) {
      if (!drop(path, cb, ctx)) {
        super.getChildren(path, watch, cb, ctx);
      }
    }

    @Override
    public void getChildren(String path, Watcher watcher, AsyncCallback.Children2Callback cb, Object ctx) {
      if (!drop(path, cb, ctx)) {
        super.getChildren(path, watcher, cb, ctx);
      }
    }

    private boolean drop(String path, AsyncCallback.Children2Callback cb, Object ctx) {
      if (!path.equals("/services/" + SERVICE) || !dropNextListing.compareAndSet(true, false)) {
        return false;
      }
      try {
        getTestable().closeSocket();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      CompletableFuture.runAsync(() -> cb.processResult(KeeperException.Code.CONNECTIONLOSS.intValue(), path, ctx, null, null));
      return true;
    }
  }
}
