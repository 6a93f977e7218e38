package dev.keel.registry.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.Subscription;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watch half of the contract. See {@link RegistryContract}. */
public abstract class WatchContract extends FaultContract {
  @Test
  void watchDeliversTheInitialSnapshotFirst() {
    RegistryClient c = client();
    String s = service("initial");
    c.register(instance(s, "i-1", 9001));
    c.register(instance(s, "i-2", 9002));
    awaitIds(c, s, "i-1", "i-2");
    Recorder r = new Recorder();
    c.watch(s, r);
    waiting().until(() -> r.count() >= 1);
    assertThat(ids(r.received().get(0))).containsExactly("i-1", "i-2");
  }

  @Test
  void watchOfAnUnknownServiceDeliversAnEmptyInitialSnapshot() {
    Recorder r = new Recorder();
    client().watch(service("unknown"), r);
    waiting().until(() -> r.count() >= 1);
    assertThat(r.received().get(0).isEmpty()).isTrue();
  }

  @Test
  void watchDeliversChangesInOrderWithRevisionsThatNeverDecrease() {
    RegistryClient c = client();
    String s = service("order");
    Recorder r = new Recorder();
    c.watch(s, r);
    waiting().until(() -> r.count() >= 1);
    for (int n = 1; n <= 5; n++) {
      c.register(instance(s, "i-" + n, 9000 + n));
    }
    awaitIds(r, "i-1", "i-2", "i-3", "i-4", "i-5");
    List<InstanceSet> seen = r.received();
    for (int k = 1; k < seen.size(); k++) {
      assertThat(seen.get(k).size()).as("snapshot %d never shrinks while only adding", k)
          .isGreaterThanOrEqualTo(seen.get(k - 1).size());
      assertThat(seen.get(k).revision()).as("revision of snapshot %d", k).isGreaterThanOrEqualTo(seen.get(k - 1).revision());
      assertThat(seen.get(k)).as("no snapshot repeats the previous one").isNotEqualTo(seen.get(k - 1));
    }
  }

  @Test
  void watchSeesDeregistration() {
    RegistryClient c = client();
    String s = service("dereg");
    var r1 = c.register(instance(s, "i-1", 9001));
    c.register(instance(s, "i-2", 9002));
    Recorder r = new Recorder();
    c.watch(s, r);
    awaitIds(r, "i-1", "i-2");
    r1.close();
    awaitIds(r, "i-2");
  }

  @Test
  void oneListenerIsNeverCalledConcurrently() throws Exception {
    RegistryClient c = client();
    String s = service("serial");
    Recorder r = new Recorder(2);
    c.watch(s, r);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int thread = t;
      threads[t] = new Thread(() -> {
        for (int n = 0; n < 10; n++) {
          c.register(instance(s, "t" + thread + "-" + n, 30_000 + thread * 100 + n));
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    waiting().untilAsserted(() -> assertThat(r.last()).isNotNull().extracting(InstanceSet::size).isEqualTo(40));
    assertThat(r.overlapped()).isFalse();
  }

  @Test
  void aListenerThatThrowsKeepsItsWatch() {
    RegistryClient c = client();
    String s = service("throws");
    AtomicInteger calls = new AtomicInteger();
    c.watch(s, set -> {
      calls.incrementAndGet();
      throw new ListenerFailure();
    });
    Recorder other = new Recorder();
    c.watch(s, other);
    waiting().until(() -> calls.get() >= 1);
    c.register(instance(s, "i-1", 9001));
    awaitIds(other, "i-1");
    c.register(instance(s, "i-2", 9002));
    awaitIds(other, "i-1", "i-2");
    waiting().until(() -> calls.get() >= 3);
  }

  @Test
  void aBlockedListenerDoesNotHoldUpOthers() throws Exception {
    RegistryClient c = client();
    String s = service("blocked");
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger blockedCalls = new AtomicInteger();
    c.watch(s, set -> {
      blockedCalls.incrementAndGet();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Recorder free = new Recorder();
    c.watch(s, free);
    try {
      // Blocked in its first delivery before anything changes: the changes must queue behind it.
      waiting().until(() -> blockedCalls.get() == 1);
      c.register(instance(s, "i-1", 9001));
      c.register(instance(s, "i-2", 9002));
      awaitIds(free, "i-1", "i-2");
      assertThat(blockedCalls.get()).isEqualTo(1);
    } finally {
      release.countDown();
    }
    waiting().until(() -> blockedCalls.get() >= 2);
  }

  @Test
  void aClosedSubscriptionReceivesNothingMore() {
    RegistryClient c = client();
    String s = service("unsub");
    Recorder closed = new Recorder();
    Recorder open = new Recorder();
    Subscription sub = c.watch(s, closed);
    c.watch(s, open);
    waiting().until(() -> closed.count() >= 1 && open.count() >= 1);
    sub.close();
    sub.close();
    int before = closed.count();
    c.register(instance(s, "i-1", 9001));
    awaitIds(open, "i-1");
    assertThat(closed.count()).isEqualTo(before);
  }

  @Test
  void aSecondWatchOfAWatchedServiceGetsTheCurrentSnapshotFirst() {
    RegistryClient c = client();
    String s = service("second");
    Recorder first = new Recorder();
    c.watch(s, first);
    c.register(instance(s, "i-1", 9001));
    awaitIds(first, "i-1");
    Recorder second = new Recorder();
    c.watch(s, second);
    waiting().until(() -> second.count() >= 1);
    assertThat(ids(second.received().get(0))).containsExactly("i-1");
  }

  /**
   * What the throwing listener throws. The client logs it as a warning, as it should; without a
   * stack trace (which would say nothing about the client) that warning is two lines in the log.
   */
  private static final class ListenerFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ListenerFailure() {
      super("listener failure, on purpose");
      setStackTrace(new StackTraceElement[0]);
    }
  }
}
