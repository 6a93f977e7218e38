package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryHealth.State;
import dev.keel.testsupport.StderrCapture;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {
  @Test
  void startsConnectingThenFollowsWhatTheAdapterSees() {
    HealthTracker t = new HealthTracker("zookeeper://127.0.0.1:2181");
    assertThat(t.health().state()).isEqualTo(State.CONNECTING);
    t.reachable();
    assertThat(t.health().reachable()).isTrue();
    assertThat(t.health().cause()).isNull();
    t.unreachable("connect", new ConnectException("Connection refused"));
    assertThat(t.health().state()).isEqualTo(State.UNREACHABLE);
    assertThat(t.health().cause()).isEqualTo("connect: Connection refused");
    assertThat(t.health().outages()).isEqualTo(1);
    t.reachable();
    t.closed();
    t.reachable();
    assertThat(t.health().state()).as("nothing changes once closed").isEqualTo(State.CLOSED);
  }

  @Test
  void logsOneLinePerStateChangeAndNoStackTraceAboveDebug() {
    HealthTracker t = new HealthTracker("etcd://127.0.0.1:2399");
    try (StderrCapture logs = StderrCapture.start()) {
      for (int i = 0; i < 20; i++) {
        t.unreachable("list service 'a'", new RuntimeException("io error", new ConnectException("Connection refused")));
      }
      t.unreachable("watch", new ConnectException("Connection refused"));
      t.reachable();
      for (int i = 0; i < 5; i++) {
        t.reachable();
      }
      List<String> lines = logs.linesContaining("etcd://127.0.0.1:2399");
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0)).contains("WARN").contains("unreachable").contains("Connection refused");
      assertThat(lines.get(1)).contains("INFO").contains("reachable again after");
      assertThat(logs.all()).doesNotContain("\tat ");
    }
  }

  @Test
  void listenersSeeEveryChangeInOrderEndingWithTheLatest() {
    HealthTracker t = new HealthTracker("nacos://127.0.0.1:8848");
    List<RegistryHealth> seen = new CopyOnWriteArrayList<>();
    t.onChange(seen::add);
    t.reachable();
    t.unreachable("gone");
    t.reachable();
    await().until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).reachable() && seen.get(seen.size() - 1).outages() == 1);
  }

  @Test
  void aMalformedEntryIsCountedAndLoggedOncePerVersionHoweverOftenItIsRead() {
    HealthTracker t = new HealthTracker("etcd://127.0.0.1:2379");
    try (StderrCapture logs = StderrCapture.start()) {
      for (int push = 0; push < 50; push++) {
        t.malformed("orders", "/keel/services/orders/bad", 7L, "not JSON");
      }
      t.malformed("orders", "/keel/services/orders/bad", 9L, "not JSON"); // written again: a new version
      assertThat(t.health().malformedEntries()).isEqualTo(2);
      assertThat(logs.linesContaining("skipping malformed entry")).hasSize(2);
    }
  }

  @Test
  void anAttackerCannotForgeLogLinesThroughAMalformedEntry() {
    HealthTracker t = new HealthTracker("zookeeper://127.0.0.1:2181");
    String evil = "x\n12:00:00.000 [main] ERROR dev.keel.Admin - admin password reset\r\u001b[2J\u202e";
    try (StderrCapture logs = StderrCapture.start()) {
      t.malformed(evil, "/services/" + evil, 1L, "host: '" + evil + "' (expected: a host name)");
      t.unreachable("server said " + evil);
      assertThat(logs.linesContaining("admin password reset")).allSatisfy(line ->
          assertThat(line).contains("WARN dev.keel.registry.health - registry zookeeper").doesNotContain("\u001b").doesNotContain("\u202e"));
      assertThat(logs.all()).doesNotContain("\n12:00:00.000").doesNotContain("\r");
      assertThat(t.health().cause()).doesNotContain("\n").contains("\\u000a");
    }
  }
}
