package dev.keel.registry.zookeeper;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import dev.keel.testsupport.ZooKeeperSessions;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A registering client loses its session; its instance must come back in the watch and no empty
 * snapshot may reach the watch's listeners meanwhile. (How fast it comes back is a benchmark's
 * business: the bound here only has to be generous for a loaded machine.)
 */
class SessionExpiryTest {
  private static final Duration BACK_WITHIN = Duration.ofSeconds(20);
  private static TestingServer server;

  private @Nullable RegistryClient owner;
  private @Nullable RegistryClient watcher;
  private @Nullable CuratorFramework observer;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZooKeeperTesting.startFastServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @AfterEach
  void close() {
    if (owner != null) {
      owner.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (observer != null) {
      observer.close();
    }
  }

  @Test
  void afterAServerSideExpiryTheInstanceIsBackInTheWatchWithNoEmptySnapshot() throws Exception {
    owner = open("session-timeout=2s");
    watcher = open("");
    ServiceInstance instance = ServiceInstance.builder().service("expiring").id("i-1").host("127.0.0.1").port(9001).build();
    owner.register(instance);
    Recorder guarded = new Recorder();
    Recorder raw = new Recorder();
    watcher.watch("expiring", guarded);
    ZooKeeperTesting.raw(watcher).watch("expiring", raw);
    await().atMost(BACK_WITHIN).until(() -> guarded.lastIds().equals(List.of("i-1")) && raw.lastIds().equals(List.of("i-1")));
    long before = ZooKeeperTesting.sessionId(owner);

    ZooKeeperTesting.expireOnServer(ZooKeeperTesting.raw(owner).curator(), server.getConnectString());

    // The raw watch shows that the node really went (the server ended the session) and came back.
    await().atMost(BACK_WITHIN).until(() -> wentAndCameBack(raw.received(), "i-1"));
    assertThat(ZooKeeperTesting.sessionId(owner)).isNotEqualTo(before);
    assertThat(guarded.latest().instances()).containsExactly(instance);
    assertThat(guarded.received()).as("snapshots delivered to the listener").noneMatch(InstanceSet::isEmpty);
  }

  @Test
  void aNodeLeftByTheExpiredSessionIsReplacedAndOutlivesThatSession() throws Exception {
    owner = open("session-timeout=3s");
    watcher = open("");
    observer = ZooKeeperTesting.curator(server.getConnectString());
    owner.register(ServiceInstance.builder().service("stale").id("i-1").host("127.0.0.1").port(9001).build());
    Recorder guarded = new Recorder();
    watcher.watch("stale", guarded);
    await().atMost(BACK_WITHIN).until(() -> guarded.lastIds().equals(List.of("i-1")));
    long oldSession = ZooKeeperTesting.sessionId(owner);
    assertThat(ownerOf("/keel/stale/i-1")).isEqualTo(oldSession);

    // Only the client thinks its session is gone; the server keeps it, and its node, until it times out.
    ZooKeeperTesting.expireOnClient(ZooKeeperTesting.raw(owner).curator());

    await().atMost(BACK_WITHIN).untilAsserted(() -> {
      long now = ZooKeeperTesting.sessionId(requireNonNull(owner));
      assertThat(now).isNotIn(0L, oldSession);
      assertThat(ownerOf("/keel/stale/i-1")).isEqualTo(now);
    });
    long newSession = ZooKeeperTesting.sessionId(owner);
    // Once the server has ended the old session (its own timer: 3 s), a node still of that session
    // would be gone with it; the node must have been replaced by one of the new session instead.
    await().atMost(BACK_WITHIN).until(() -> !ZooKeeperSessions.tracked(server.getPort()).contains(oldSession));
    assertThat(ownerOf("/keel/stale/i-1")).isEqualTo(newSession);
    assertThat(guarded.lastIds()).containsExactly("i-1");
    assertThat(guarded.received()).noneMatch(InstanceSet::isEmpty);
  }

  private long ownerOf(String path) throws Exception {
    Stat stat = requireNonNull(observer).checkExists().forPath(path);
    return stat == null ? -1 : stat.getEphemeralOwner();
  }

  private static RegistryClient open(String params) {
    return Registries.open("zookeeper://" + server.getConnectString() + "/keel?" + params);
  }

  /** Whether {@code seen} holds {@code id}, then a set without it, then one with it again. */
  private static boolean wentAndCameBack(List<InstanceSet> seen, String id) {
    int stage = 0;
    for (InstanceSet set : seen) {
      boolean has = set.get(id) != null;
      if ((stage == 0 && has) || (stage == 1 && !has) || (stage == 2 && has)) {
        stage++;
      }
    }
    return stage == 3;
  }
}
