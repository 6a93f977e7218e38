package dev.keel.benchmarks.registry;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.zookeeper.ZooKeeperRegistry;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Version;

/**
 * Register-to-watch latency of the ZooKeeper adapter: the time from calling {@code register} on
 * one client until another client's {@code watch} listener receives a snapshot holding the new
 * instance, over N sequential registrations (default 1,000) in one service.
 *
 * <p>Runs a real ZooKeeper in this JVM (Curator's {@code TestingServer}, data in a temporary
 * directory it deletes on close). Run (see docs/BENCHMARKS.md):
 * <pre>
 * mvn -B -o -pl registry-zookeeper install -DskipTests
 * mvn -B -o -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.registry.ZooKeeperWatchLatency 1000
 * </pre>
 */
public final class ZooKeeperWatchLatency {
  private ZooKeeperWatchLatency() {}

  public static void main(String[] args) throws Exception {
    // The in-JVM server logs every session at INFO; keep the output to the result.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", System.getProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "warn"));
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", System.getProperty("org.slf4j.simpleLogger.log.org.apache.curator", "warn"));
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int warmup = Math.min(100, n / 10);
    Map<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    try (TestingServer server = new TestingServer(true);
         RegistryClient registrant = ZooKeeperRegistry.builder().connectString(server.getConnectString()).build();
         RegistryClient watcher = ZooKeeperRegistry.builder().connectString(server.getConnectString()).build()) {
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
        registrant.register(ServiceInstance.builder().service("bench").id(id).host("10.0.0.1").port(10_000 + (k & 0x3fff) + 1)
            .build());
        long seenAt = seen.get(10, TimeUnit.SECONDS); // a TimeoutException ends the run: the watch lost it
        if (k >= 0) {
          micros[k] = (seenAt - start) / 1000;
        }
      }
      Arrays.sort(micros);
      System.out.printf(Locale.ROOT, "ZooKeeper %s (in-JVM TestingServer), %d registrations (after %d warm-up), "
          + "register-to-watch latency:%n", Version.getFullVersion().split("[-,]")[0], n, warmup);
      System.out.printf(Locale.ROOT, "  p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms%n",
          pct(micros, 50), pct(micros, 90), pct(micros, 99), micros[n - 1] / 1000.0);
    }
  }

  private static double pct(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1000.0;
  }
}
