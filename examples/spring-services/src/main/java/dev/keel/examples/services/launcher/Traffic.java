package dev.keel.examples.services.launcher;

import java.io.IOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Steady calls to {@code http://storefront/buy/...} by name, one at a time on one thread, tallied
 * per phase by the {@code orders} instance that served them (answers read {@code storefront-1 >
 * orders-2 > stock-1(...)}). Bounded: it stops when told, or at its deadline.
 */
final class Traffic implements Runnable {
  private final OkHttpClient http;
  private final long deadlineNanos;
  private final AtomicReference<String> phase = new AtomicReference<>("start");
  private final Map<String, Map<String, AtomicInteger>> answers = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  final Queue<String> errors = new ConcurrentLinkedQueue<>();
  private volatile boolean stop;

  Traffic(OkHttpClient http, long deadlineNanos) {
    this.http = http;
    this.deadlineNanos = deadlineNanos;
  }

  void phase(String name) {
    phase.set(name);
  }

  void stop() {
    stop = true;
  }

  int requests() {
    return requests.get();
  }

  /** How many calls of {@code phase} the {@code orders} instance {@code instance} served. */
  int served(String phase, String instance) {
    AtomicInteger n = answers.getOrDefault(phase, Map.of()).get(instance);
    return n == null ? 0 : n.get();
  }

  @Override
  public void run() {
    for (int i = 0; !stop && System.nanoTime() < deadlineNanos; i++) {
      String p = phase.get();
      requests.incrementAndGet();
      try (Response r = http.newCall(new Request.Builder().url("http://storefront/buy/sku-" + (i % 100)).build()).execute()) {
        String body = r.body().string();
        if (!r.isSuccessful()) {
          errors.add(p + ": HTTP " + r.code() + " " + body);
          continue;
        }
        String[] hops = body.split(" > ");
        String orders = hops.length > 1 ? hops[1] : "?";
        answers.computeIfAbsent(p, k -> new ConcurrentHashMap<>()).computeIfAbsent(orders, k -> new AtomicInteger())
            .incrementAndGet();
      } catch (IOException e) {
        errors.add(p + ": " + e);
      }
    }
  }
}
