package dev.keel.registry.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The self-healing half of the contract. See {@link RegistryContract}. */
public abstract class FaultContract extends ContractSupport {
  @Test
  void afterAServerRestartRegistrationsAreRestoredAndWatchesResumeWithoutAnEmptySnapshot() throws Exception {
    RegistryClient owner = client();
    RegistryClient watcher = client();
    String s = service("restart");
    owner.register(instance(s, "i-1", 9001));
    Recorder r = new Recorder();
    watcher.watch(s, r);
    awaitIds(r, "i-1");

    restartServer();

    awaitIds(client(), s, "i-1");
    owner.register(instance(s, "i-2", 9002));
    awaitIds(r, "i-1", "i-2");
    assertNoEmptySnapshotAfterFirstNonEmpty(r.received());
  }

  @Test
  void aLostSessionIsRestored() throws Exception {
    RegistryClient owner = client();
    RegistryClient watcher = client();
    String s = service("session");
    owner.register(instance(s, "i-1", 9001));
    Recorder r = new Recorder();
    watcher.watch(s, r);
    awaitIds(r, "i-1");

    loseSession(owner);

    awaitIds(client(), s, "i-1");
    owner.register(instance(s, "i-2", 9002));
    awaitIds(r, "i-1", "i-2");
    assertNoEmptySnapshotAfterFirstNonEmpty(r.received());
  }

  @Test
  void anUpdatedInstanceIsRestoredAsUpdatedAfterASessionLoss() throws Exception {
    RegistryClient owner = client();
    String s = service("updated");
    Registration r = owner.register(instance(s, "i-1", 9001).toBuilder().putMetadata("n", "0").build());
    r.update(r.instance().toBuilder().putMetadata("n", "1").build());
    RegistryClient observer = client();
    awaitMetadata(observer, s, "1");

    loseSession(owner);

    awaitIds(client(), s, "i-1");
    awaitMetadata(observer, s, "1");
    r.update(r.instance().toBuilder().putMetadata("n", "2").build());
    awaitMetadata(observer, s, "2");
  }

  private void awaitMetadata(RegistryClient c, String service, String n) {
    await().atMost(timeout()).ignoreExceptions()
        .untilAsserted(() -> {
          ServiceInstance seen = c.resolve(service).get("i-1");
          assertThat(seen).isNotNull();
          assertThat(seen.metadata()).containsEntry("n", n);
        });
  }

  @Test
  void aClosedRegistrationIsNotResurrectedBySessionLoss() throws Exception {
    RegistryClient owner = client();
    String s = service("resurrect");
    Registration gone = owner.register(instance(s, "gone", 9001));
    owner.register(instance(s, "kept", 9002));
    awaitIds(owner, s, "gone", "kept");
    gone.close();
    awaitIds(owner, s, "kept");

    loseSession(owner);

    RegistryClient observer = client();
    awaitIds(observer, s, "kept");
    owner.register(instance(s, "after", 9003));
    awaitIds(observer, s, "after", "kept");
  }

  private static void assertNoEmptySnapshotAfterFirstNonEmpty(List<InstanceSet> seen) {
    boolean sawInstances = false;
    for (InstanceSet set : seen) {
      if (!set.isEmpty()) {
        sawInstances = true;
      } else {
        assertThat(sawInstances).as("an empty snapshot was delivered after instances were seen: %s", seen).isFalse();
      }
    }
  }
}
