package dev.keel.client;

import dev.keel.balancer.BalancerClock;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A fake {@link BalancerClock}: time moves only in {@link #advance}, which runs the tasks that came
 * due, in time order, on the calling thread (including tasks they schedule). Thread-safe.
 */
final class ManualClock implements BalancerClock {
  private record Task(long at, long seq, Runnable run) {}

  private final PriorityQueue<Task> tasks = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0, delayNanos), seq++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualClock.this) {
        tasks.remove(t);
      }
    };
  }

  /** Moves time forward by {@code d}, running every task due on the way. */
  void advance(Duration d) {
    long end;
    synchronized (this) {
      end = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > end) {
          now = end;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.at);
      }
      next.run.run();
    }
  }
}
