package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the guards make of the adapter's reachability: stale sets, and resolves that say why they fail. */
class GuardedRegistryHealthTest {
  private static final String S = "orders";

  private static InstanceSet set(long revision, String... ids) {
    List<ServiceInstance> list = new java.util.ArrayList<>();
    for (int n = 0; n < ids.length; n++) {
      list.add(ServiceInstance.builder().service(S).id(ids[n]).host("127.0.0.1").port(9000 + n).build());
    }
    return InstanceSet.of(S, list, revision);
  }

  private static RegistryOptions fast() {
    return RegistryOptions.builder().emptyConfirmDelay(Duration.ofMillis(100)).resolveTimeout(Duration.ofMillis(300)).build();
  }

  @Test
  void resolveOfAKnownUnreachableRegistryFailsAtOnceSayingSoWithoutAskingTheAdapter() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.health.unreachable("connect to 127.0.0.1:2399", new java.net.ConnectException("Connection refused"));
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "etcd://127.0.0.1:2399")) {
      assertThatThrownBy(() -> c.resolve(S))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("cannot resolve 'orders'")
          .hasMessageContaining("registry etcd://127.0.0.1:2399 is unreachable")
          .hasMessageContaining("Connection refused");
      assertThat(raw.resolves).hasValue(0);
    }
  }

  @Test
  void aRegistryStillConnectingAfterTheResolveTimeoutCountsAsUnreachable() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    HealthTracker connecting = new HealthTracker("zookeeper://127.0.0.1:1");
    RegistryClient silent = new DelegatingClient(raw) {
      @Override
      public RegistryHealth health() {
        return connecting.health();
      }
    };
    try (RegistryClient c = new GuardedRegistryClient(silent, fast(), "zookeeper://127.0.0.1:1")) {
      assertThatThrownBy(() -> c.resolve(S))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("is unreachable")
          .hasMessageContaining("no answer within PT0.3S");
      assertThat(raw.resolves).hasValue(0);
    }
  }

  @Test
  void aFailedReadNamesTheRegistryAndKeepsTheAdaptersCause() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.unreachable = true;
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "etcd://127.0.0.1:2379")) {
      assertThatThrownBy(() -> c.resolve(S))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("cannot resolve 'orders' from etcd://127.0.0.1:2379: scripted registry unreachable")
          .hasCauseInstanceOf(RegistryException.class);
    }
  }

  @Test
  void aWatchedSetTurnsStaleWhenTheRegistryGoesAwayAndFreshOnceAReadConfirmsIt() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "scripted://test")) {
      c.watch(S, seen::add);
      raw.push(set(1, "a", "b"));
      await().until(() -> seen.size() == 1);
      assertThat(seen.get(0).stale()).isFalse();

      raw.health.unreachable("connection lost");
      await().until(() -> seen.size() == 2);
      assertThat(seen.get(1).stale()).isTrue();
      assertThat(seen.get(1).instances()).isEqualTo(seen.get(0).instances());
      assertThat(c.resolve(S).stale()).as("resolve serves the last known set, marked").isTrue();

      raw.freshRead = set(7, "a", "b");
      raw.health.reachable();
      await().until(() -> seen.size() == 3);
      assertThat(seen.get(2).stale()).isFalse();
      assertThat(seen.get(2).instances()).isEqualTo(seen.get(0).instances());
    }
  }

  @Test
  void aStaleSetStaysStaleUntilTheWatchCatchesUpWhenAReadDisagrees() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "scripted://test")) {
      c.watch(S, seen::add);
      raw.push(set(1, "a"));
      raw.health.unreachable("connection lost");
      await().until(() -> seen.size() == 2);
      raw.freshRead = set(2, "a", "b"); // b joined while the registry was out of reach
      raw.health.reachable();
      await().until(() -> raw.resolves.get() >= 1);
      assertThat(seen).last().satisfies(s -> assertThat(s.stale()).isTrue());

      raw.push(set(2, "a", "b")); // the watch catches up
      await().until(() -> seen.size() == 3);
      assertThat(seen.get(2).stale()).isFalse();
      assertThat(seen.get(2).size()).isEqualTo(2);
    }
  }

  @Test
  void twoAgreeingReadsReplaceAStaleSetWhoseWatchNeverCatchesUp() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "scripted://test")) {
      c.watch(S, seen::add);
      raw.push(set(1, "a"));
      raw.health.unreachable("connection lost");
      await().until(() -> seen.size() == 2);
      raw.freshRead = set(2, "a", "b");
      raw.health.reachable();

      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
      assertThat(raw.resolves.get()).isGreaterThanOrEqualTo(2);
      assertThat(seen.get(2).stale()).isFalse();
      assertThat(seen.get(2).size()).isEqualTo(2);
    }
  }

  @Test
  void theSnapshotCacheIsServedAsSoonAsTheRegistryIsKnownUnreachable(@TempDir Path dir) {
    new SnapshotCache(dir).write(set(4, "a", "b"));
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.health.unreachable("connection refused");
    RegistryOptions options = RegistryOptions.builder().snapshotDir(dir).resolveTimeout(Duration.ofMinutes(1)).build();
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, options, "scripted://test")) {
      assertThat(c.resolve(S).stale()).isTrue();
      c.watch(S, seen::add);
      await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty()); // long before the one-minute timeout
      assertThat(seen.get(0).stale()).isTrue();
      assertThat(seen.get(0).size()).isEqualTo(2);
    }
  }

  @Test
  void healthAndItsChangesComeFromTheAdapter() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<RegistryHealth> changes = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fast(), "scripted://test")) {
      c.onHealthChange(changes::add);
      raw.health.unreachable("connection lost");
      await().until(() -> !changes.isEmpty());
      assertThat(c.health().state()).isEqualTo(RegistryHealth.State.UNREACHABLE);
      assertThat(changes).last().satisfies(h -> assertThat(h.cause()).isEqualTo("connection lost"));
    }
  }

  @Test
  void toStringNamesTheRegistryBySchemeAndAddressWithoutSecrets() {
    try (RegistryClient c = Registries.open("static://127.0.0.1:9001,127.0.0.1:9002?empty-confirm=1s")) {
      assertThat(c).hasToString("static://127.0.0.1:9001,127.0.0.1:9002");
    }
    try (RegistryClient c = Registries.open("memory://health-test")) {
      assertThat(c.toString()).isEqualTo("memory://health-test");
      assertThat(c.health().reachable()).isTrue();
    }
    assertThat(Registries.open("static://keel:s3cret@127.0.0.1:9001").toString())
        .isEqualTo("static://keel:***@127.0.0.1:9001");
  }

  /** Passes everything to another client; tests override what they change. */
  private static class DelegatingClient implements RegistryClient {
    private final RegistryClient d;

    DelegatingClient(RegistryClient d) {
      this.d = d;
    }

    @Override
    public dev.keel.registry.Registration register(ServiceInstance instance) {
      return d.register(instance);
    }

    @Override
    public InstanceSet resolve(String service) {
      return d.resolve(service);
    }

    @Override
    public dev.keel.registry.Subscription watch(String service, java.util.function.Consumer<InstanceSet> listener) {
      return d.watch(service, listener);
    }

    @Override
    public void close() {
      d.close();
    }
  }
}
