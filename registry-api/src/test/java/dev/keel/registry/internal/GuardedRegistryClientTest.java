package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuardedRegistryClientTest {
  private static final String S = "orders";
  private static final InstanceSet ONE = set(1, "a");
  private static final InstanceSet TWO = set(2, "a", "b");

  private static InstanceSet set(long revision, String... ids) {
    List<ServiceInstance> list = new java.util.ArrayList<>();
    for (int n = 0; n < ids.length; n++) {
      list.add(ServiceInstance.builder().service(S).id(ids[n]).host("127.0.0.1").port(9000 + n).build());
    }
    return InstanceSet.of(S, list, revision);
  }

  private static RegistryOptions fastConfirm() {
    return RegistryOptions.builder().emptyConfirmDelay(Duration.ofMillis(100)).resolveTimeout(Duration.ofMillis(200)).build();
  }

  @Test
  void anEmptyingPushIsAppliedOnlyAfterAFreshReadConfirmsIt() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<Integer> resolvesSeenWhenEmptyArrived = new CopyOnWriteArrayList<>();
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      c.watch(S, set -> {
        if (set.isEmpty()) {
          resolvesSeenWhenEmptyArrived.add(raw.resolves.get());
        }
        seen.add(set);
      });
      raw.push(ONE);
      await().until(() -> seen.size() == 1);
      raw.push(InstanceSet.empty(S).withRevision(2));
      await().until(() -> seen.size() == 2);
      assertThat(seen.get(1).isEmpty()).isTrue();
      assertThat(resolvesSeenWhenEmptyArrived).singleElement().satisfies(n -> assertThat(n).isPositive());
    }
  }

  @Test
  void anEmptyFirstPushAfterAResolveWithInstancesIsHeldAndCheckedByAFreshRead() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.freshRead = TWO;
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      assertThat(c.resolve(S)).isEqualTo(TWO); // what a balancer starts from
      c.watch(S, seen::add);
      raw.push(InstanceSet.empty(S)); // the adapter's first push is empty: it lost its connection loading

      await().until(() -> raw.resolves.get() >= 2 && !seen.isEmpty());
      assertThat(seen).containsExactly(TWO);
    }
  }

  @Test
  void anEmptyFirstPushAfterAResolveIsAppliedWhenTheFreshReadConfirmsIt() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.freshRead = TWO;
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      c.resolve(S);
      c.watch(S, seen::add);
      raw.freshRead = InstanceSet.empty(S).withRevision(3); // every instance left meanwhile
      raw.push(InstanceSet.empty(S).withRevision(3));

      await().until(() -> !seen.isEmpty());
      assertThat(seen).singleElement().satisfies(set -> assertThat(set.isEmpty()).isTrue());
      assertThat(raw.resolves.get()).isEqualTo(2); // the resolve, then the confirming read
    }
  }

  @Test
  void aSpuriousEmptyPushIsDroppedWhenTheFreshReadFindsInstances() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.freshRead = ONE;
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      c.watch(S, seen::add);
      raw.push(ONE);
      raw.push(InstanceSet.empty(S));
      await().until(() -> raw.resolves.get() >= 1);
      raw.push(TWO);
      await().until(() -> seen.size() >= 2 && seen.get(seen.size() - 1).equals(TWO));
      assertThat(seen).noneMatch(InstanceSet::isEmpty);
    }
  }

  @Test
  void anEmptyingPushIsHeldWhileTheRegistryCannotConfirmIt() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    raw.unreachable = true;
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      c.watch(S, seen::add);
      raw.push(ONE);
      raw.push(InstanceSet.empty(S));
      await().until(() -> raw.resolves.get() >= 3);
      assertThat(seen).containsExactly(ONE);
      raw.unreachable = false;
      await().until(() -> seen.size() == 2);
      assertThat(seen.get(1).isEmpty()).isTrue();
    }
  }

  @Test
  void emptyProtectionCanBeSwitchedOff() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    RegistryOptions off = RegistryOptions.builder().emptyProtection(false).build();
    try (RegistryClient c = new GuardedRegistryClient(raw, off)) {
      c.watch(S, seen::add);
      raw.push(ONE);
      raw.push(InstanceSet.empty(S));
      await().until(() -> seen.size() == 2);
      assertThat(raw.resolves.get()).isZero();
    }
  }

  @Test
  void updatesThatChangeNothingAreDropped() {
    ScriptedRegistryClient raw = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(raw, fastConfirm())) {
      c.watch(S, seen::add);
      raw.push(ONE);
      raw.push(ONE.withRevision(7));
      raw.push(TWO);
      await().until(() -> seen.contains(TWO));
      assertThat(seen).containsExactly(ONE, TWO);
    }
  }

  @Test
  void theLastGoodSetIsServedStaleWhenTheRegistryIsUnreachableAtStartUp(@TempDir Path dir) {
    RegistryOptions opts = fastConfirm().toBuilder().snapshotDir(dir).build();
    ScriptedRegistryClient first = new ScriptedRegistryClient(S);
    List<InstanceSet> seen = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(first, opts)) {
      c.watch(S, seen::add);
      first.push(TWO);
      await().until(() -> seen.contains(TWO));
    }

    ScriptedRegistryClient down = new ScriptedRegistryClient(S);
    down.unreachable = true;
    List<InstanceSet> later = new CopyOnWriteArrayList<>();
    try (RegistryClient c = new GuardedRegistryClient(down, opts)) {
      InstanceSet resolved = c.resolve(S);
      assertThat(resolved.stale()).isTrue();
      assertThat(resolved.instances()).isEqualTo(TWO.instances());
      c.watch(S, later::add);
      await().until(() -> !later.isEmpty());
      assertThat(later.get(0).stale()).isTrue();
      down.push(TWO);
      await().until(() -> later.size() == 2);
      assertThat(later.get(1).stale()).isFalse();
    }
  }

  @Test
  void withoutACacheAnUnreachableRegistryIsReported() {
    ScriptedRegistryClient down = new ScriptedRegistryClient(S);
    down.unreachable = true;
    try (RegistryClient c = new GuardedRegistryClient(down, fastConfirm())) {
      assertThatThrownBy(() -> c.resolve(S)).isInstanceOf(RegistryException.class);
    }
  }
}
