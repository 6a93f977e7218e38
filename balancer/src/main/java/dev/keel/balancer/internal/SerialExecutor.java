package dev.keel.balancer.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on an underlying executor. A task submitted from a
 * running task runs after it (never re-entrantly), also when the underlying executor is direct. An
 * exception from a task is logged and the next task runs.
 */
final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    // Whoever moves pending from 0 to 1 owns the drain loop until it is back at 0.
    if (pending.getAndIncrement() == 0) {
      delegate.execute(this::drain);
    }
  }

  private void drain() {
    do {
      Runnable task = tasks.poll();
      try {
        if (task != null) {
          task.run();
        }
      } catch (RuntimeException | Error e) {
        log.warn("balancer task failed", e);
      }
    } while (pending.decrementAndGet() != 0);
  }
}
