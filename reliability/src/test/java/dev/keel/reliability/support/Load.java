package dev.keel.reliability.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steady GETs from a few threads until {@link #stop()} or a hard cap of requests; counts sent and
 * failed requests and which backend answered.
 */
public final class Load implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Load.class);
  private static final int MAX_REQUESTS = 200_000;

  /** One GET: returns the answering backend's name, throws on any failure (I/O or status other than 200). */
  public interface Get {
    String get() throws Exception;
  }

  private final String label;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  public final AtomicLong sent = new AtomicLong();
  public final AtomicLong failed = new AtomicLong();
  public final List<String> failures = new CopyOnWriteArrayList<>();
  public final Map<String, AtomicInteger> byBackend = new ConcurrentHashMap<>();

  public Load(String label, int concurrency, Get get) {
    this.label = label;
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(() -> {
        while (running.get() && sent.get() < MAX_REQUESTS) {
          sent.incrementAndGet();
          try {
            byBackend.computeIfAbsent(get.get(), k -> new AtomicInteger()).incrementAndGet();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            failed.incrementAndGet();
            if (failures.size() < 20) {
              failures.add(e.toString());
            }
          }
        }
      }, label + "-load-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  public int answeredBy(String backend) {
    AtomicInteger n = byBackend.get(backend);
    return n == null ? 0 : n.get();
  }

  /** Stops the loops and waits for the requests in flight. */
  public void stop() throws InterruptedException {
    if (!running.getAndSet(false)) {
      return;
    }
    for (Thread t : threads) {
      t.join(15_000);
    }
    log.info("FIGURES {}: sent={} failed={} byBackend={} firstFailures={}", label, sent.get(), failed.get(), byBackend, failures);
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
