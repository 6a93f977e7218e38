package dev.keel.benchmarks.grpc;

import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.testing.Echo;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded gRPC load client for {@code keel.test.Echo/Who} (the servers of {@link GrpcEchoServers}
 * answer with their name): any grpc-java target — a Keel registry target ({@code
 * zookeeper://127.0.0.1:2181/services/echo}) balanced by a policy, or a proxy's address ({@code
 * dns:///127.0.0.1:8080}, for keel-proxy or HAProxy in front of the servers). Stops after {@code
 * --duration} (at most 10 minutes) or {@code --rpcs}; prints RPCs per second, latency percentiles,
 * failures by status and each answering server's share.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.grpc.GrpcLoad \
 *     --target zookeeper://127.0.0.1:2181/services/echo --lb keel --keel-policy least-request \
 *     --channels 4 --concurrency 32 --duration 30s
 * </pre>
 * Options: {@code --target T} (required), {@code --lb keel|keel_connection|round_robin|pick_first}
 * (default {@code keel}), {@code --keel-policy P} (Keel's policy for keel/keel_connection), {@code
 * --channels N} (1; calls go round the channels), {@code --concurrency C} (16 threads), {@code
 * --duration D} (10s), {@code --warmup W} (0s: calls made for W first, before the measured window,
 * and not counted unless they fail, so the client's own JIT compilation stays out of the figures),
 * {@code --rpcs N} (no limit), {@code --deadline D} (5s), {@code --authority A}.
 */
public final class GrpcLoad {
  private static final long MAX_NANOS = Duration.ofMinutes(10).toNanos();

  private GrpcLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    String target = o.get("target");
    if (target == null) {
      throw new IllegalArgumentException("--target: missing (expected: a gRPC target such as dns:///127.0.0.1:8080)");
    }
    String lb = o.getOrDefault("lb", KeelGrpc.POLICY);
    int channelCount = Integer.parseInt(o.getOrDefault("channels", "1"));
    int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "16"));
    long durationNanos = Math.min(MAX_NANOS, parse(o.getOrDefault("duration", "10s")).toNanos());
    long warmupNanos = Math.min(MAX_NANOS, parse(o.getOrDefault("warmup", "0s")).toNanos());
    long rpcLimit = Long.parseLong(o.getOrDefault("rpcs", String.valueOf(Long.MAX_VALUE)));
    Duration deadline = parse(o.getOrDefault("deadline", "5s"));
    Map<String, Object> config = new HashMap<>();
    if (o.containsKey("keel-policy")) {
      config.put("policy", o.get("keel-policy"));
    }

    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < channelCount; i++) {
      ManagedChannelBuilder<?> b = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
          .defaultServiceConfig(KeelGrpc.serviceConfig(lb, config));
      if (o.containsKey("authority")) {
        b.overrideAuthority(o.get("authority"));
      }
      channels.add(b.build());
    }
    Latencies latencies = new Latencies();
    Map<String, LongAdder> answered = new ConcurrentHashMap<>();
    Map<Status.Code, LongAdder> failed = new ConcurrentHashMap<>();
    AtomicLong started = new AtomicLong();
    AtomicLong warming = new AtomicLong();
    long t0 = System.nanoTime() + warmupNanos; // the measured window starts after the warm-up
    long end = t0 + durationNanos;
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int t = 0; t < concurrency; t++) {
      Thread worker = new Thread(() -> {
        try {
          for (long s; (s = System.nanoTime()) < end; ) {
            boolean measured = s >= t0;
            long n = measured ? started.getAndIncrement() : warming.getAndIncrement();
            if (measured && n >= rpcLimit) {
              break;
            }
            ManagedChannel c = channels.get((int) (n % channels.size()));
            try {
              String who = ClientCalls.blockingUnaryCall(c, Echo.WHO,
                  CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS), "x");
              if (measured) {
                latencies.record(System.nanoTime() - s);
                answered.computeIfAbsent(who, k -> new LongAdder()).increment();
              }
            } catch (StatusRuntimeException e) { // a failure counts, in the warm-up too
              failed.computeIfAbsent(e.getStatus().getCode(), k -> new LongAdder()).increment();
            }
          }
        } finally {
          done.countDown();
        }
      }, "grpc-load-" + t);
      worker.setDaemon(true);
      worker.start();
    }
    done.await();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long ok = answered.values().stream().mapToLong(LongAdder::sum).sum();
    long bad = failed.values().stream().mapToLong(LongAdder::sum).sum();
    System.out.printf(Locale.ROOT, "target %s lb %s%s, %d channel(s), %d threads, %.1f s after %.1f s of warm-up%n",
        target, lb, config.isEmpty() ? "" : " " + config, channelCount, concurrency, seconds, warmupNanos / 1e9);
    System.out.printf(Locale.ROOT, "RPCs ok %d  failed %d  %.0f RPC/s%n", ok, bad, ok / seconds);
    System.out.printf(Locale.ROOT, "latency us: p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f%n",
        latencies.percentile(0.50) / 1e3, latencies.percentile(0.90) / 1e3,
        latencies.percentile(0.99) / 1e3, latencies.percentile(0.999) / 1e3);
    if (bad > 0) {
      System.out.println("failures by status: " + new TreeMap<>(failed));
    }
    Map<String, String> shares = new TreeMap<>();
    answered.forEach((who, n) -> shares.put(who, String.format(Locale.ROOT, "%.1f%%", 100.0 * n.sum() / Math.max(1, ok))));
    System.out.println("answered by: " + shares);
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("argument '" + args[i] + "' (expected: --name value pairs)");
      }
      o.put(args[i].substring(2), args[++i]);
    }
    return o;
  }

  static Duration parse(String text) {
    return dev.keel.registry.RegistryUri.parseDuration("duration", text);
  }

  /** Log-linear buckets (16 per power of two) from 1 µs; lock-free recording. */
  static final class Latencies {
    private static final int SUB = 16;
    private final AtomicLongArray buckets = new AtomicLongArray(64 * SUB);

    void record(long nanos) {
      long us = Math.max(1, nanos / 1000);
      int exp = 63 - Long.numberOfLeadingZeros(us);
      int sub = exp < 4 ? (int) (us << (4 - exp)) - SUB : (int) (us >>> (exp - 4)) - SUB;
      buckets.incrementAndGet(exp * SUB + sub);
    }

    /** The lower edge of the bucket holding the given quantile, in nanoseconds. */
    double percentile(double q) {
      long total = 0;
      for (int i = 0; i < buckets.length(); i++) {
        total += buckets.get(i);
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < buckets.length(); i++) {
        seen += buckets.get(i);
        if (seen >= rank && seen > 0) {
          int exp = i / SUB;
          int sub = i % SUB;
          return Math.scalb(1.0 + (double) sub / SUB, exp) * 1000;
        }
      }
      return 0;
    }
  }
}
