package dev.keel.examples.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Steady request traffic through the proxy's http listener: a few threads, each sending one GET
 * at a time over the JDK HttpClient (keep-alive), with a short pause between requests. The
 * answering backend is read from the response body; any non-200 or exception is an error.
 */
final class TrafficDriver implements AutoCloseable {
  private static final Duration PAUSE = Duration.ofMillis(15);

  private final URI target;
  private final int threads;
  private final Tally tally;
  private final Supplier<Script.Phase> phase;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean running;

  TrafficDriver(URI target, int threads, Tally tally, Supplier<Script.Phase> phase) {
    this.target = target;
    this.threads = threads;
    this.tally = tally;
    this.phase = phase;
  }

  synchronized void start() {
    running = true;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::loop, "demo-traffic-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
  }

  private void loop() {
    HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).GET().build();
    while (running) {
      Script.Phase sentIn = phase.get();
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (!running) {
          return;
        }
        if (r.statusCode() == 200) {
          tally.answered(r.body().trim(), sentIn);
        } else {
          tally.failed("HTTP " + r.statusCode() + " " + r.body().trim());
        }
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        if (running) {
          tally.failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
      }
    }
  }

  /** Stops sending and waits for the threads. */
  @Override
  public synchronized void close() {
    running = false;
    for (Thread t : workers) {
      t.interrupt();
    }
    for (Thread t : workers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(6));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    workers.clear();
  }
}
