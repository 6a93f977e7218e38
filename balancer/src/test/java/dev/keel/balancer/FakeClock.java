package dev.keel.balancer;

import java.time.Duration;
import java.util.PriorityQueue;

/** A manual clock: time moves only in {@link #advance}, which runs the tasks that fall due, in order. */
final class FakeClock implements BalancerClock {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
      a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    boolean[] cancelled = new boolean[1];
    tasks.add(new Task(now + Math.max(0, delayNanos), seq++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    for (;;) {
      Task t;
      synchronized (this) {
        t = tasks.peek();
        if (t == null || t.due > until) {
          now = until;
          return;
        }
        tasks.poll();
        now = t.due;
      }
      if (!t.cancelled[0]) {
        t.run.run();
      }
    }
  }

  void advanceMillis(long ms) {
    advance(Duration.ofMillis(ms));
  }
}
