package dev.keel.benchmarks.grpc;

import static java.util.Objects.requireNonNull;

import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-RPC cost of the {@code keel} policy next to grpc-java's {@code round_robin}, on the same
 * four grpc-netty servers on loopback, through the same resolver ({@code memory://}), so that only
 * the load-balancing policy differs. Each round runs, on each channel in turn (the order rotates
 * every round), {@code perRound} sequential unary RPCs (latency: µs per RPC) and then {@code
 * perRound} RPCs from {@code threads} threads (throughput: RPCs per second). Prints the medians over
 * rounds and each policy's ratio to {@code round_robin} (the goal: ≤ 1.1 × its cost).
 *
 * <pre>
 * mvn -B -o -pl grpc -am install -DskipTests
 * mvn -B -o -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.grpc.GrpcPolicyOverhead 20 5000 8
 * </pre>
 * Arguments: rounds (default 20), RPCs per round and measurement (5000), threads for throughput (8).
 */
public final class GrpcPolicyOverhead {
  private GrpcPolicyOverhead() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    String registryName = "grpc-overhead";
    Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    List<EchoServer> servers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    RegistryClient registry = Registries.open("memory://" + registryName + "?empty-protection=false");
    try {
      for (int i = 0; i < 4; i++) {
        servers.add(new EchoServer("s" + i, registry, "bench", Map.of(), Duration.ZERO).start());
      }
      String target = "memory://" + registryName + "/bench";
      channels.put("round_robin", channel(target, "round_robin", Map.of()));
      channels.put("keel round-robin", channel(target, KeelGrpc.POLICY, Map.of("policy", "round-robin")));
      channels.put("keel least-request", channel(target, KeelGrpc.POLICY, Map.of("policy", "least-request")));
      List<String> names = new ArrayList<>(channels.keySet());
      for (int w = 0; w < 3; w++) { // warm-up: JIT, connections to every server
        for (ManagedChannel c : channels.values()) {
          sequential(c, perRound);
          concurrent(c, perRound, pool, threads);
        }
      }
      Map<String, double[]> latency = new LinkedHashMap<>();
      Map<String, double[]> throughput = new LinkedHashMap<>();
      names.forEach(n -> {
        latency.put(n, new double[rounds]);
        throughput.put(n, new double[rounds]);
      });
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < names.size(); k++) {
          String name = names.get((r + k) % names.size());
          ManagedChannel c = requireNonNull(channels.get(name));
          long t0 = System.nanoTime();
          sequential(c, perRound);
          requireNonNull(latency.get(name))[r] = (System.nanoTime() - t0) / 1e3 / perRound;
          long t1 = System.nanoTime();
          concurrent(c, perRound, pool, threads);
          requireNonNull(throughput.get(name))[r] = perRound / ((System.nanoTime() - t1) / 1e9);
        }
      }
      System.out.printf(Locale.ROOT, "%d rounds x %d unary RPCs; 4 grpc-netty servers on loopback; same resolver (memory://)%n",
          rounds, perRound);
      System.out.printf(Locale.ROOT, "%-20s %12s %8s %14s %8s%n", "policy", "us/RPC seq", "ratio", "RPC/s x" + threads, "ratio");
      double[] baseLatency = requireNonNull(latency.get("round_robin"));
      double[] baseThroughput = requireNonNull(throughput.get("round_robin"));
      for (String n : names) {
        double[] lats = requireNonNull(latency.get(n));
        double[] thrs = requireNonNull(throughput.get(n));
        System.out.printf(Locale.ROOT, "%-20s %12.1f %8.3f %14.0f %8.3f%n", n, median(lats),
            medianRatio(lats, baseLatency), median(thrs), medianRatio(baseThroughput, thrs));
      }
      System.out.println("ratio: median over rounds of (policy cost / round_robin cost); 1.000 = same cost, goal <= 1.1");
      pool.shutdownNow();
      for (ManagedChannel c : channels.values()) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      for (EchoServer s : servers) {
        s.close(); // before the registry: they deregister first
      }
      registry.close();
    }
  }

  static ManagedChannel channel(String target, String policy, Map<String, ?> config) {
    return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .defaultServiceConfig(KeelGrpc.serviceConfig(policy, config)).build();
  }

  private static void sequential(ManagedChannel channel, int n) {
    for (int i = 0; i < n; i++) {
      ClientCalls.blockingUnaryCall(channel, Echo.WHO, CallOptions.DEFAULT, "x");
    }
  }

  private static void concurrent(ManagedChannel channel, int n, ExecutorService pool, int threads) throws InterruptedException {
    AtomicInteger left = new AtomicInteger(n);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      pool.execute(() -> {
        try {
          while (left.getAndDecrement() > 0) {
            ClientCalls.blockingUnaryCall(channel, Echo.WHO, CallOptions.DEFAULT, "x");
          }
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  private static double medianRatio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return median(r);
  }
}
