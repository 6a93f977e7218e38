package dev.keel.proxy.accesslog;

import dev.keel.registry.internal.LogSafe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log of one listener. {@link #log} only offers the entry to a bounded queue: it never
 * blocks and never touches the disk, so it is safe on an event loop. One daemon writer thread takes
 * what is queued in batches, formats it and appends each batch with one write. When the queue is
 * full (the disk is slower than the traffic) the entry is dropped and counted ({@link #dropped}),
 * with a WARN at most every {@value #WARN_EVERY_SECONDS} seconds; a write that fails drops its batch
 * the same way. {@link #reopen} makes the writer open the file again by name (after logrotate moved
 * it); {@link #close} writes what is queued and closes the file.
 *
 * <p>Thread-safe: {@link #log} from any number of threads.
 */
public final class AccessLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
  /** Entries queued at most; beyond, entries are dropped. About 4 MB of lines at most. */
  public static final int DEFAULT_CAPACITY = 16_384;
  static final int WARN_EVERY_SECONDS = 10;
  private static final int BATCH = 512;
  private static final long CLOSE_WAIT_MILLIS = 5_000;

  private final String listener;
  private final AccessLogConfig config;
  private final LineOutput out;
  private final ArrayBlockingQueue<AccessEntry> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final LongSupplier nanoTime;
  private final AtomicLong nextWarnNanos;
  private final AtomicLong droppedAtLastWarn = new AtomicLong();
  private final Thread writer;
  private volatile boolean reopen;
  private volatile boolean closed;

  AccessLog(String listener, AccessLogConfig config, LineOutput out, int capacity, LongSupplier nanoTime) {
    this.listener = listener;
    this.config = config;
    this.out = out;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.nanoTime = nanoTime;
    this.nextWarnNanos = new AtomicLong(nanoTime.getAsLong());
    this.writer = new Thread(this::run, "keel-access-log-" + listener);
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens {@code config}'s file for listener {@code listener} and starts its writer.
   *
   * @throws IllegalStateException naming the listener, the key and the path when the file cannot
   *     be opened for appending
   */
  public static AccessLog open(String listener, AccessLogConfig config) {
    String problem = AccessLogConfig.problem(config.path());
    LineOutput out;
    try {
      if (problem != null) {
        throw new IOException(problem);
      }
      out = LineOutput.append(config.path());
    } catch (IOException | SecurityException e) {
      throw new IllegalStateException("listener '" + listener + "': access-log.path: '" + config.path()
          + "' cannot be opened for appending: " + e.getMessage(), e);
    }
    return new AccessLog(listener, config, out, DEFAULT_CAPACITY, System::nanoTime);
  }

  public AccessLogConfig config() {
    return config;
  }

  /**
   * Queues {@code entry} for the writer; never blocks.
   *
   * @return false when it was dropped: the queue is full, or the log is closed
   */
  public boolean log(AccessEntry entry) {
    if (!closed && queue.offer(entry)) {
      return true;
    }
    countDropped(1, "the queue is full (the disk is slower than the traffic)");
    return false;
  }

  /** Entries dropped since the log was opened: queue full, log closed, or a failed write. */
  public long dropped() {
    return dropped.get();
  }

  /** Has the writer open the file again by name before its next write (logrotate). */
  public void reopen() {
    reopen = true;
  }

  /** Writes what is queued (waiting at most a few seconds), then closes the file. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(CLOSE_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void countDropped(int n, String why) {
    long total = dropped.addAndGet(n);
    long now = nanoTime.getAsLong();
    long next = nextWarnNanos.get();
    if (now - next >= 0 && nextWarnNanos.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(WARN_EVERY_SECONDS))) {
      long since = total - droppedAtLastWarn.getAndSet(total);
      log.warn("listener '{}': {} access log lines dropped ({} in all): {}", listener, since, total, why);
    }
  }

  private void run() {
    List<AccessEntry> batch = new ArrayList<>(BATCH);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    try {
      while (true) {
        AccessEntry first = queue.poll(100, TimeUnit.MILLISECONDS);
        // after the poll: an entry logged after reopen() returned is taken after the flag was set, so it goes to the new file
        if (reopen) {
          reopen = false;
          reopenFile();
        }
        if (first == null) {
          if (closed && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        write(batch, bytes);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        out.close();
      } catch (IOException e) {
        log.warn("listener '{}': access log {}: close failed: {}", listener, config.path(), LogSafe.escape(e.getMessage()));
      }
    }
  }

  private void write(List<AccessEntry> batch, ByteArrayOutputStream bytes) {
    bytes.reset();
    for (AccessEntry e : batch) {
      bytes.writeBytes(AccessLineFormat.format(config.format(), e).getBytes(StandardCharsets.US_ASCII));
      bytes.write('\n');
    }
    try {
      out.write(bytes.toByteArray(), bytes.size());
    } catch (IOException e) {
      countDropped(batch.size(), "writing " + config.path() + " failed: " + LogSafe.escape(e.getMessage()));
    }
  }

  private void reopenFile() {
    try {
      out.reopen();
    } catch (IOException e) {
      // the old file stays open: lines keep going somewhere until the next reopen succeeds
      log.warn("listener '{}': access log {} not reopened: {}", listener, config.path(), LogSafe.escape(e.getMessage()));
    }
  }
}
