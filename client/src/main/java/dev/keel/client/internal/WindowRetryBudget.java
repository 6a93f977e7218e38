package dev.keel.client.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.client.RetryBudget;
import java.util.function.LongSupplier;

/**
 * A {@link RetryBudget} over a sliding window cut into {@value #SLOTS} slots: deposits and
 * withdrawals are counted per slot, and a slot is forgotten once it is {@code ttl} old. Balance =
 * min × ttl + percent × deposits − withdrawals, all over the window. One short lock per call: this
 * is a per-request path, but a handful of arithmetic operations under an uncontended monitor is far
 * below the cost of the HTTP exchange it guards.
 */
public final class WindowRetryBudget implements RetryBudget {
  private static final int SLOTS = 10;

  private final double percent;
  private final double reserve;
  private final long slotNanos;
  private final LongSupplier nanoTime;
  @GuardedBy("this")
  private final long[] deposits = new long[SLOTS];
  @GuardedBy("this")
  private final long[] withdrawals = new long[SLOTS];
  @GuardedBy("this")
  private long depositSum;
  @GuardedBy("this")
  private long withdrawalSum;
  @GuardedBy("this")
  private long currentSlot; // absolute slot number of the newest slot

  public WindowRetryBudget(double percent, double minRetriesPerSecond, long ttlNanos, LongSupplier nanoTime) {
    this.percent = percent;
    this.reserve = minRetriesPerSecond * ttlNanos / 1e9;
    this.slotNanos = Math.max(1, ttlNanos / SLOTS);
    this.nanoTime = nanoTime;
    this.currentSlot = Math.floorDiv(nanoTime.getAsLong(), slotNanos);
  }

  @Override
  public synchronized void deposit() {
    int i = advance();
    deposits[i]++;
    depositSum++;
  }

  @Override
  public synchronized boolean tryWithdraw() {
    int i = advance();
    if (available() < 1.0) {
      return false;
    }
    withdrawals[i]++;
    withdrawalSum++;
    return true;
  }

  @Override
  public synchronized double balance() {
    advance();
    return Math.max(0.0, available());
  }

  @GuardedBy("this")
  private double available() {
    return reserve + percent * depositSum - withdrawalSum;
  }

  /** Forgets the slots that left the window; returns the index of the current slot. */
  @GuardedBy("this")
  private int advance() {
    long slot = Math.floorDiv(nanoTime.getAsLong(), slotNanos);
    if (slot > currentSlot) {
      long steps = Math.min(SLOTS, slot - currentSlot);
      for (long s = 1; s <= steps; s++) {
        int i = (int) Math.floorMod(currentSlot + s, (long) SLOTS);
        depositSum -= deposits[i];
        withdrawalSum -= withdrawals[i];
        deposits[i] = 0;
        withdrawals[i] = 0;
      }
      currentSlot = slot;
    }
    return (int) Math.floorMod(currentSlot, (long) SLOTS);
  }

  @Override
  public synchronized String toString() {
    return "RetryBudget{percent=" + percent + ", reserve=" + reserve + ", deposits=" + depositSum
        + ", withdrawals=" + withdrawalSum + "}";
  }
}
