package dev.keel.proxy.listener;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The process's file-descriptor budget, shared by every proxy listener, with a reserve that only
 * the admin listener may use.
 *
 * <p>Why: every client connection costs a descriptor, and usually a second one for its upstream
 * connection. When the process reaches its limit ({@code RLIMIT_NOFILE}, {@code LimitNOFILE=} in
 * systemd), {@code accept} fails for every listening socket alike, the admin listener's included:
 * a few hundred idle connections to a proxy port would make {@code /healthz} and {@code /metrics}
 * unreachable exactly when an operator needs them, and the kernel keeps the waiting clients in
 * the listen backlog, where no timeout of the proxy reaches them.
 *
 * <p>How: a proxy listener admits a new connection only while the process holds fewer than
 * {@code limit - reserve} descriptors; otherwise it closes the connection at once (the accept
 * itself always succeeds, since the reserve is free). The admin listener does not ask, so the
 * reserve is there for it (and for the upstream connections of connections already admitted).
 * Counting open descriptors means listing {@code /proc/self/fd}, too costly per accept, so the
 * count is sampled and every admission since the sample is counted as two descriptors (the
 * connection and its upstream): an estimate that runs high rather than low, corrected by a new
 * sample when it reaches the threshold (at most one per {@link #RESAMPLE_NANOS}) and at least once
 * a second while connections arrive (descriptors opened elsewhere, such as health checks or the
 * registry client, count too).
 *
 * <p>Thread-safe: admissions come from every event loop.
 */
public final class FileDescriptors {
  /** No limit: every admission succeeds (where the JVM cannot tell the limit). */
  public static final FileDescriptors UNLIMITED = new FileDescriptors(Long.MAX_VALUE, 0, () -> 0, System::nanoTime);
  /** Descriptors counted per admitted connection until the next sample: the client's and its upstream's. */
  static final int PER_CONNECTION = 2;
  static final long RESAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** A sample older than this is taken again at the next admission, whatever the estimate: descriptors opened elsewhere count too. */
  static final long MAX_SAMPLE_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final long limit;
  private final long reserve;
  private final LongSupplier openCount;
  private final LongSupplier nanoTime;
  private final ReentrantLock sampling = new ReentrantLock();
  private volatile long sampled;
  private volatile long sampledAt;
  private final AtomicLong admittedSinceSample = new AtomicLong();

  FileDescriptors(long limit, long reserve, LongSupplier openCount, LongSupplier nanoTime) {
    this.limit = limit;
    this.reserve = reserve;
    this.openCount = openCount;
    this.nanoTime = nanoTime;
    this.sampled = openCount.getAsLong();
    this.sampledAt = nanoTime.getAsLong();
  }

  /**
   * The budget of this process: its descriptor limit as the JVM reports it, a reserve of
   * {@link #reserveFor}; {@link #UNLIMITED} where the JVM cannot tell (not a Unix).
   */
  public static FileDescriptors system() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof com.sun.management.UnixOperatingSystemMXBean unix) || unix.getMaxFileDescriptorCount() <= 0) {
      return UNLIMITED;
    }
    long limit = unix.getMaxFileDescriptorCount();
    return new FileDescriptors(limit, reserveFor(limit), unix::getOpenFileDescriptorCount, System::nanoTime);
  }

  /** 1/32 of the limit, at least 64 and at most half of it: room for the admin listener and admitted connections' upstreams. */
  static long reserveFor(long limit) {
    return Math.min(limit / 2, Math.max(64, limit / 32));
  }

  /** True, counting it, when one more connection fits below {@code limit - reserve}. */
  public boolean tryAdmit() {
    long now = nanoTime.getAsLong();
    long age = now - sampledAt;
    if (age < MAX_SAMPLE_AGE_NANOS && fits()) {
      admittedSinceSample.incrementAndGet();
      return true;
    }
    if (age >= RESAMPLE_NANOS && sampling.tryLock()) {
      try {
        if (now - sampledAt >= RESAMPLE_NANOS) {
          admittedSinceSample.set(0);
          sampled = openCount.getAsLong();
          sampledAt = now;
        }
      } finally {
        sampling.unlock();
      }
    }
    if (fits()) {
      admittedSinceSample.incrementAndGet();
      return true;
    }
    return false;
  }

  private boolean fits() {
    return sampled + PER_CONNECTION * admittedSinceSample.get() < limit - reserve;
  }

  /** The process's descriptor limit ({@code Long.MAX_VALUE} when unknown). */
  public long limit() {
    return limit;
  }

  /** Descriptors kept free of proxy connections. */
  public long reserve() {
    return reserve;
  }
}
