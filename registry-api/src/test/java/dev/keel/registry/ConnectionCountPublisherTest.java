package dev.keel.registry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;

/** The publisher's hysteresis and rate bound, on a manual clock over the real memory registry. */
class ConnectionCountPublisherTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Time that moves only when told to, and the tasks due by then. */
  private static final class ManualTime implements ConnectionCountPublisher.Timer {
    private record Task(long due, long seq, Runnable run) {}

    private final List<Task> tasks = new ArrayList<>();
    private long now = 1_000 * SECOND;
    private long seq;

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
      tasks.add(new Task(now + delayNanos, seq++, task));
    }

    long now() {
      return now;
    }

    /** Moves time forward by {@code nanos}, running what falls due, in order. */
    void advance(long nanos) {
      long end = now + nanos;
      while (true) {
        Task next;
        synchronized (this) {
          next = tasks.stream().filter(t -> t.due <= end).min(Comparator.comparingLong(Task::due).thenComparingLong(Task::seq))
              .orElse(null);
          if (next == null) {
            now = end;
            return;
          }
          tasks.remove(next);
          now = Math.max(now, next.due);
        }
        next.run.run();
      }
    }
  }

  private final ManualTime time = new ManualTime();
  private RegistryClient registry;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private String service;

  @BeforeEach
  void setUp() {
    service = "counts-" + System.nanoTime();
    registry = Registries.open("memory://" + service);
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private ConnectionCountPublisher publisher(Registration r) {
    return new ConnectionCountPublisher(r, Duration.ofSeconds(2), 0.05, time::now, time);
  }

  private Registration register(@Nullable String initialCount) {
    ServiceInstance.Builder b = ServiceInstance.builder().service(service).id("s1").host("127.0.0.1").port(9001);
    if (initialCount != null) {
      b.putMetadata(ServiceInstance.CONNECTIONS, initialCount);
    }
    return registry.register(b.build());
  }

  private static @Nullable String count(Registration r) {
    return r.instance().metadata().get(ServiceInstance.CONNECTIONS);
  }

  @Test
  void anInstanceRegisteredWithoutACountGetsZeroAtOnce() {
    Registration r = register(null);
    ConnectionCountPublisher p = publisher(r);
    time.advance(0);
    assertThat(count(r)).isEqualTo("0");
    assertThat(p.published()).isZero();
    assertThat(p.writes()).isEqualTo(1);
    assertThat(requireNonNull(registry.resolve(service).get("s1")).metadata()).containsEntry(ServiceInstance.CONNECTIONS, "0");
  }

  @Test
  void anInstanceRegisteredWithZeroWritesNothingUntilTheCountMoves() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    time.advance(10 * SECOND);
    assertThat(p.writes()).isZero();
    p.opened();
    time.advance(0);
    assertThat(count(r)).isEqualTo("1");
  }

  @Test
  void aBurstOfConnectionsIsWrittenAtMostOncePerInterval() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    for (int second = 0; second < 10; second++) {
      for (int k = 0; k < 30; k++) {
        p.opened(); // 30 a second for 10 s
      }
      time.advance(SECOND);
    }
    time.advance(2 * SECOND);
    // 12 s: a write at once and then one per 2 s at most.
    assertThat(p.writes()).isBetween(5L, 7L);
    assertThat(count(r)).isEqualTo("300");
  }

  @Test
  void changesSmallerThanFivePercentAreNotWritten() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    for (int k = 0; k < 100; k++) {
      p.opened();
    }
    time.advance(3 * SECOND);
    assertThat(count(r)).isEqualTo("100");
    long writes = p.writes();

    for (int k = 0; k < 4; k++) {
      p.closed(); // 96: 4 % off
    }
    time.advance(10 * SECOND);
    assertThat(p.writes()).isEqualTo(writes);
    assertThat(count(r)).isEqualTo("100");

    p.closed(); // 95: 5 % off
    time.advance(2 * SECOND);
    assertThat(count(r)).isEqualTo("95");
    assertThat(p.writes()).isEqualTo(writes + 1);
  }

  @Test
  void theCountNeverGoesBelowZero() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    p.closed();
    p.closed();
    time.advance(3 * SECOND);
    assertThat(p.count()).isZero();
    assertThat(p.writes()).isZero();
  }

  @Test
  void watchersSeeEachWrittenCountAndNeverTheInstanceGone() throws Exception {
    Registration r = register("0");
    registry.register(ServiceInstance.builder().service(service).id("s2").host("127.0.0.1").port(9002).build());
    List<List<String>> snapshots = new CopyOnWriteArrayList<>();
    registry.watch(service, set -> {
      snapshots.add(set.instances().stream().map(ServiceInstance::id).toList());
      ServiceInstance s1 = set.get("s1");
      if (s1 != null) {
        seen.add(s1.metadata().getOrDefault(ServiceInstance.CONNECTIONS, "-"));
      }
    });
    ConnectionCountPublisher p = publisher(r);
    for (int k = 0; k < 3; k++) {
      p.opened();
      time.advance(2 * SECOND);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("3"));
    assertThat(seen).containsSubsequence("0", "1", "2", "3");
    assertThat(snapshots).allSatisfy(ids -> assertThat(ids).contains("s1", "s2"));
  }

  @Test
  void aFailedWriteIsRetriedAfterTheInterval() {
    AtomicInteger failures = new AtomicInteger(1);
    List<String> written = new ArrayList<>();
    ServiceInstance i = ServiceInstance.builder().service(service).host("127.0.0.1").port(9001)
        .putMetadata(ServiceInstance.CONNECTIONS, "0").build();
    RegistrationHandle r = new RegistrationHandle(i, h -> { }, (h, next) -> {
      if (failures.getAndDecrement() > 0) {
        throw new RegistryException("no answer within PT5S");
      }
      written.add(next.metadata().get(ServiceInstance.CONNECTIONS));
    });
    ConnectionCountPublisher p = publisher(r);
    p.opened();
    time.advance(0);
    assertThat(written).isEmpty();
    assertThat(count(r)).isEqualTo("0"); // the handle went back to what the registry holds
    time.advance(2 * SECOND);
    assertThat(written).containsExactly("1");
    assertThat(p.published()).isEqualTo(1);
  }

  @Test
  void aClosedRegistrationEndsPublishing() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    r.close();
    p.opened();
    time.advance(5 * SECOND);
    p.opened();
    time.advance(5 * SECOND);
    assertThat(p.writes()).isZero();
    assertThat(registry.resolve(service).instances()).isEmpty();
  }

  @Test
  void closingThePublisherStopsWritingAndLeavesTheRegistration() {
    Registration r = register("0");
    ConnectionCountPublisher p = publisher(r);
    p.opened();
    time.advance(0);
    p.close();
    p.opened();
    time.advance(5 * SECOND);
    assertThat(count(r)).isEqualTo("1");
    assertThat(registry.resolve(service).get(r.instance().id())).isNotNull();
  }

  @Test
  void badSettingsAreRejectedNamingTheField() {
    Registration r = register("0");
    assertThatThrownBy(() -> ConnectionCountPublisher.builder(r).minInterval(Duration.ofMillis(1)))
        .hasMessage("minInterval: 1ms (expected: 10ms..1h)");
    assertThatThrownBy(() -> ConnectionCountPublisher.builder(r).minChange(0.9))
        .hasMessage("minChange: 0.9 (expected: 0.0..0.5)");
  }

  @Test
  void onlyNonNegativeIntegersReadAsPublishedCounts() {
    ServiceInstance i = ServiceInstance.builder().service(service).host("127.0.0.1").port(9001).build();
    assertThat(i.publishedConnections()).isEqualTo(-1);
    assertThat(i.toBuilder().putMetadata(ServiceInstance.CONNECTIONS, "0").build().publishedConnections()).isZero();
    assertThat(i.toBuilder().putMetadata(ServiceInstance.CONNECTIONS, "2147483647").build().publishedConnections())
        .isEqualTo(Integer.MAX_VALUE);
    for (String bad : new String[] {"", "-1", "+3", "1.5", " 3", "2147483648", "99999999999", "abc"}) {
      assertThat(i.toBuilder().putMetadata(ServiceInstance.CONNECTIONS, bad).build().publishedConnections())
          .as("'%s'", bad).isEqualTo(-1);
    }
  }
}
