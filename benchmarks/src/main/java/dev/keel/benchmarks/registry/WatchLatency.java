package dev.keel.benchmarks.registry;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The measurement both registry benchmarks share: N sequential registrations on one client, each
 * timed until another client's watch listener holds the new instance.
 */
final class WatchLatency {
  private WatchLatency() {}

  /** Warm-up registrations made before the measured ones: a tenth of n, at most 100. */
  static int warmup(int n) {
    return Math.min(100, n / 10);
  }

  /** Runs the measurement and prints p50/p90/p99/max under {@code label}. */
  static void measureAndPrint(String label, RegistryClient registrant, RegistryClient watcher, int n) throws Exception {
    int warmup = warmup(n);
    Map<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    watcher.watch("bench", (InstanceSet set) -> {
      long now = System.nanoTime();
      for (ServiceInstance i : set.instances()) {
        CompletableFuture<Long> f = waiting.remove(i.id());
        if (f != null) {
          f.complete(now);
        }
      }
    });
    long[] micros = new long[n];
    for (int k = -warmup; k < n; k++) {
      String id = (k < 0 ? "warm-" : "i-") + Math.abs(k);
      CompletableFuture<Long> seen = new CompletableFuture<>();
      waiting.put(id, seen);
      long start = System.nanoTime();
      registrant.register(ServiceInstance.builder().service("bench").id(id).host("10.0.0.1")
          .port(10_000 + (k & 0x3fff) + 1).build());
      long seenAt = seen.get(10, TimeUnit.SECONDS); // a TimeoutException ends the run: the watch lost it
      if (k >= 0) {
        micros[k] = (seenAt - start) / 1000;
      }
    }
    Arrays.sort(micros);
    System.out.printf(Locale.ROOT, "%s, %d registrations (after %d warm-up), register-to-watch latency:%n", label, n, warmup);
    System.out.printf(Locale.ROOT, "  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms%n",
        pct(micros, 50), pct(micros, 90), pct(micros, 99), micros[n - 1] / 1000.0);
  }

  private static double pct(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1000.0;
  }
}
