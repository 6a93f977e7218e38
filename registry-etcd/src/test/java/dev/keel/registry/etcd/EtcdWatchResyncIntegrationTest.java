package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.GuardedRegistryClient;
import dev.keel.registry.tck.Recorder;
import dev.keel.testsupport.TcpRelay;
import io.etcd.jetcd.Client;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watcher cut off from etcd (through a {@link TcpRelay}) while the service changes and etcd
 * compacts past the watcher's revision: when it comes back, etcd cancels its resumed watch with a
 * compaction error, and it re-lists to the correct snapshot.
 */
class EtcdWatchResyncIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  private TcpRelay relay;
  private RegistryClient watcher;
  private RegistryClient writer;
  private Client admin;

  @BeforeEach
  void setUp() throws Exception {
    relay = new TcpRelay(etcd.clientPort());
    watcher = EtcdRegistry.builder().endpoints("127.0.0.1:" + relay.port()).prefix("/resync").build();
    writer = EtcdRegistry.builder().endpoints(etcd.endpoint()).prefix("/resync").ttl(Duration.ofSeconds(5)).build();
    admin = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterEach
  void tearDown() {
    watcher.close();
    writer.close();
    admin.close();
    relay.close();
  }

  @Test
  void compactionPastADisconnectedWatchEndsWithTheCorrectSnapshot() throws Exception {
    Registration a1 = writer.register(instance("a-1", 100));
    Registration a2 = writer.register(instance("a-2", 100));
    writer.register(instance("a-3", 100));
    Recorder seen = new Recorder();
    watcher.watch("orders", seen);
    await().atMost(Duration.ofSeconds(15)).until(() -> seen.lastIds().equals(java.util.List.of("a-1", "a-2", "a-3")));
    long revisionBefore = seen.latest().revision();

    relay.cut();
    a1.close();
    a2.close();
    writer.register(instance("a-2", 50));
    writer.register(instance("a-4", 100));
    long now = admin.getKVClient().get(EtcdRegistryClient.bytes("/resync")).get().getHeader().getRevision();
    admin.getKVClient().compact(now).get();
    assertThat(now).isGreaterThan(revisionBefore + 1);
    relay.restore();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(seen.lastIds()).containsExactly("a-2", "a-3", "a-4");
      assertThat(seen.lastInstance("a-2").weight()).isEqualTo(50);
    });
    EtcdRegistryClient raw = (EtcdRegistryClient) ((GuardedRegistryClient) watcher).delegate();
    await().atMost(Duration.ofSeconds(10)).until(() -> raw.compactedWatchCount() >= 1);
    InstanceSet last = seen.latest();
    assertThat(last.revision()).as("snapshot revision is an etcd revision at or after the compaction").isGreaterThanOrEqualTo(now);
    assertThat(seen.received()).noneMatch(InstanceSet::isEmpty);
  }

  @Test
  void registrationsComeBackAfterANetworkGapLongerThanTheTtl() throws Exception {
    RegistryClient cutOff = EtcdRegistry.builder().endpoints("127.0.0.1:" + relay.port()).prefix("/resync")
        .ttl(Duration.ofSeconds(2)).build();
    try {
      cutOff.register(instance("gap-1", 100).toBuilder().service("gap").build());
      Recorder seen = new Recorder();
      writer.watch("gap", seen);
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(java.util.List.of("gap-1")));
      EtcdRegistryClient raw = (EtcdRegistryClient) ((GuardedRegistryClient) cutOff).delegate();
      long leaseBefore = raw.leaseId();

      relay.cut();
      // the server expires the lease (TTL 2 s) and deletes the key; the writer's direct watch sees it go
      await().atMost(Duration.ofSeconds(15)).until(() -> writer.resolve("gap").isEmpty());
      relay.restore();

      await().atMost(Duration.ofSeconds(20)).until(() -> seen.lastIds().equals(java.util.List.of("gap-1")));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(raw.leaseId()).as("a new lease was granted").isNotZero().isNotEqualTo(leaseBefore));
    } finally {
      cutOff.close();
    }
  }

  @Test
  void whileEtcdIsUnreachableResolveThrowsAndWatchDeliversOnceItIsBack() {
    relay.cut();
    RegistryClient late = EtcdRegistry.builder().endpoints("127.0.0.1:" + relay.port()).prefix("/resync")
        .options(dev.keel.registry.RegistryOptions.builder().resolveTimeout(Duration.ofSeconds(1)).build()).build();
    try {
      writer.register(instance("u-1", 100).toBuilder().service("unreachable").build());
      Recorder seen = new Recorder();
      late.watch("unreachable", seen); // must not throw
      assertThatThrownBy(() -> late.resolve("unreachable")).isInstanceOf(dev.keel.registry.RegistryException.class)
          .hasMessageContaining("127.0.0.1:" + relay.port());
      assertThat(seen.count()).isZero();
      relay.restore();
      await().atMost(Duration.ofSeconds(20)).until(() -> seen.lastIds().equals(java.util.List.of("u-1")));
      assertThat(late.resolve("unreachable").get("u-1")).isNotNull();
    } finally {
      late.close();
    }
  }

  private static ServiceInstance instance(String id, int weight) {
    return ServiceInstance.builder().service("orders").id(id).host("10.0.0.1").port(8080).weight(weight).build();
  }
}
