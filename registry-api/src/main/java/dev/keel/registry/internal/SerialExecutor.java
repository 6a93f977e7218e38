package dev.keel.registry.internal;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synchronization context (grpc-java's {@code SynchronizationContext}, on a pool): runs tasks one
 * at a time, in submission order, on a shared executor; never two at once. The one serial executor
 * of Keel: the registry guards, the adapters and every balancer use it.
 *
 * <ul>
 *   <li>A task submitted from a running task runs after it, never re-entrantly, also when the pool
 *       is direct ({@code Runnable::run}).
 *   <li>A task that throws is logged (one line; the stack trace at DEBUG) and the next one runs.
 *   <li>When the pool refuses the drain (shut down), the queued tasks are dropped: nothing more can
 *       run, and a later {@link #execute} tries the pool again rather than wedging.
 *   <li>{@link #assertInContext()} at the top of a method whose state is confined to this executor
 *       turns "call this only on the serial executor" from a comment into a check.
 * </ul>
 *
 * Thread-safe. Not public API.
 */
public final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor pool;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** The thread running tasks now, or null between drains. Written only by the drain owner. */
  private volatile @Nullable Thread runner;

  public SerialExecutor(Executor pool) {
    this.pool = requireNonNull(pool, "pool");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(requireNonNull(task, "task"));
    schedule();
  }

  /**
   * Runs {@code task} at once on the calling thread, inside this context (so {@link
   * #assertInContext()} holds in it); what it submits runs afterwards on the pool. For set-up,
   * before the executor is shared: a balancer builds its first picker this way before its builder
   * returns.
   *
   * @throws IllegalStateException when a task is running or queued (the context is not idle)
   */
  public void runHere(Runnable task) {
    requireNonNull(task, "task");
    if (!scheduled.compareAndSet(false, true)) {
      throw new IllegalStateException("serial executor is busy: runHere is for set-up only");
    }
    runner = Thread.currentThread();
    try {
      task.run();
    } finally {
      release();
    }
  }

  /** True when called from a task of this executor. */
  public boolean inContext() {
    return runner == Thread.currentThread();
  }

  /**
   * Throws unless called from a task of this executor: the check at the top of every method whose
   * state is confined to it.
   *
   * @throws IllegalStateException when called from any other thread, or from this one between tasks
   */
  public void assertInContext() {
    if (runner != Thread.currentThread()) {
      throw new IllegalStateException("not on the serial executor: called from "
          + Thread.currentThread().getName() + " (state confined to the serial executor)");
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        pool.execute(this::drain);
      } catch (RuntimeException e) {
        // The pool is shut down: nothing more will run.
        scheduled.set(false);
        tasks.clear();
        log.debug("serial executor's pool refused work; {} dropped", e.toString());
      }
    }
  }

  private void drain() {
    runner = Thread.currentThread();
    try {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        try {
          task.run();
        } catch (Throwable t) {
          // One line; the stack trace only at DEBUG (a task that fails on every update must not
          // fill the log).
          log.warn("task failed; the next one runs: {}", t.toString());
          log.debug("task failure", t);
        }
      }
    } finally {
      release();
    }
  }

  /** Ends a drain: the runner goes before the flag, so the next owner's runner is never overwritten. */
  private void release() {
    runner = null;
    scheduled.set(false);
    if (!tasks.isEmpty()) {
      schedule();
    }
  }
}
