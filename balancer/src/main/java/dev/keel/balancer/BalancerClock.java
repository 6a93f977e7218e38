package dev.keel.balancer;

import dev.keel.balancer.internal.SystemClock;

/**
 * Time and timers for a balancer, injected so tests can run on a fake clock. {@link #system()} is
 * {@link System#nanoTime()} with one shared daemon timer thread.
 *
 * <p>Implementations must be thread-safe. Scheduled tasks must be short: the balancer's own tasks
 * only hand work to its serial executor.
 */
public interface BalancerClock {
  /** A monotonic time in nanoseconds (only differences matter). */
  long nanoTime();

  /** Runs {@code task} once, {@code delayNanos} from now, on a timer thread. */
  Cancellable schedule(Runnable task, long delayNanos);

  /** A handle to a scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Stops the task if it has not run yet; idempotent. */
    void cancel();
  }

  /** The system clock and a shared daemon timer. */
  static BalancerClock system() {
    return SystemClock.INSTANCE;
  }
}
