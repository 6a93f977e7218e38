package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
  @Test
  void runsTasksInSubmissionOrderNeverTwoAtOnceOnAPool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      SerialExecutor serial = new SerialExecutor(pool);
      List<Integer> seen = new ArrayList<>(); // confined to the serial executor
      AtomicInteger running = new AtomicInteger();
      AtomicInteger maxRunning = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(2_000);
      for (int i = 0; i < 2_000; i++) {
        int n = i;
        serial.execute(() -> {
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          seen.add(n);
          running.decrementAndGet();
          done.countDown();
        });
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(maxRunning.get()).isEqualTo(1);
      CountDownLatch read = new CountDownLatch(1);
      List<Integer> copy = new ArrayList<>();
      serial.execute(() -> {
        copy.addAll(seen);
        read.countDown();
      });
      assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(copy).hasSize(2_000).isSorted();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aThrowingTaskIsLoggedAndTheNextOneRuns() {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    AtomicBoolean ran = new AtomicBoolean();
    serial.execute(() -> {
      throw new IllegalStateException("task of the test fails on purpose");
    });
    serial.execute(() -> ran.set(true));
    assertThat(ran).isTrue();
  }

  @Test
  void aTaskSubmittedFromATaskRunsAfterItNotInsideItOnADirectPool() {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    List<String> order = new ArrayList<>();
    serial.execute(() -> {
      order.add("outer start");
      serial.execute(() -> order.add("inner"));
      order.add("outer end");
    });
    assertThat(order).containsExactly("outer start", "outer end", "inner");
  }

  @Test
  void aPoolThatRefusesWorkDoesNotWedgeTheExecutor() {
    AtomicBoolean refuse = new AtomicBoolean(true);
    SerialExecutor serial = new SerialExecutor(task -> {
      if (refuse.get()) {
        throw new RejectedExecutionException("shut down");
      }
      task.run();
    });
    AtomicInteger ran = new AtomicInteger();
    serial.execute(ran::incrementAndGet); // refused and dropped, without throwing
    assertThat(ran).hasValue(0);

    refuse.set(false);
    serial.execute(ran::incrementAndGet);
    assertThat(ran).hasValue(1);
  }

  @Test
  void aShutDownPoolDropsTasksWithoutThrowing() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.shutdown();
    SerialExecutor serial = new SerialExecutor(pool);
    AtomicBoolean ran = new AtomicBoolean();
    serial.execute(() -> ran.set(true));
    serial.execute(() -> ran.set(true));
    assertThat(ran).isFalse();
  }

  @Test
  void assertInContextHoldsInATaskAndFailsElsewhere() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      SerialExecutor serial = new SerialExecutor(pool);
      assertThatThrownBy(serial::assertInContext)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not on the serial executor");
      assertThat(serial.inContext()).isFalse();

      AtomicBoolean inside = new AtomicBoolean();
      CountDownLatch done = new CountDownLatch(1);
      serial.execute(() -> {
        serial.assertInContext();
        inside.set(serial.inContext());
        done.countDown();
      });
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(inside).isTrue();

      // Another executor's task is not in this context, even on a thread of the same pool.
      SerialExecutor other = new SerialExecutor(pool);
      AtomicBoolean crossed = new AtomicBoolean(true);
      CountDownLatch checked = new CountDownLatch(1);
      other.execute(() -> {
        crossed.set(serial.inContext());
        checked.countDown();
      });
      assertThat(checked.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(crossed).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void runHereRunsOnTheCallingThreadInContextAndLeavesSubmittedTasksToThePool() {
    List<Runnable> queued = new ArrayList<>();
    SerialExecutor serial = new SerialExecutor(queued::add);
    List<String> order = new ArrayList<>();
    serial.runHere(() -> {
      serial.assertInContext();
      order.add("here");
      serial.execute(() -> order.add("later"));
    });
    assertThat(order).containsExactly("here");
    assertThat(serial.inContext()).isFalse();
    assertThat(queued).hasSize(1);
    queued.get(0).run();
    assertThat(order).containsExactly("here", "later");
  }

  @Test
  void runHereRefusesWhileTheContextIsBusy() {
    List<Runnable> queued = new ArrayList<>();
    SerialExecutor serial = new SerialExecutor(queued::add);
    serial.execute(() -> {});
    assertThatThrownBy(() -> serial.runHere(() -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("busy");
  }
}
