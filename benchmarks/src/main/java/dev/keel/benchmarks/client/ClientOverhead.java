package dev.keel.benchmarks.client;

import com.sun.net.httpserver.HttpServer;
import dev.keel.client.KeelOkHttp;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The cost of Keel's interceptors: sequential GETs to one loopback server, through plain OkHttp
 * ({@code http://127.0.0.1:PORT/}) and through OkHttp with Keel installed ({@code http://bench/},
 * one instance registered in a {@code memory://} registry), in the same run, interleaved in rounds
 * (the order alternates each round). Reports the median over rounds of µs per request and of bytes
 * allocated per request by the calling thread (OkHttp's {@code execute()} runs the interceptors and
 * the exchange on it). Keel's difference is the pick, URL rewrite, tag, outcome report and body
 * wrapper. Run (see docs/BENCHMARKS.md):
 * <pre>
 * mvn -B -o -pl client install -DskipTests
 * mvn -B -o -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.client.ClientOverhead 20 2000
 * </pre>
 */
public final class ClientOverhead {
  private ClientOverhead() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
    System.setProperty("sun.net.httpserver.nodelay", "true"); // else Nagle + delayed ACK dominate
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    ExecutorService serverThreads = Executors.newFixedThreadPool(2);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    });
    server.setExecutor(serverThreads);
    server.start();
    int port = server.getAddress().getPort();
    OkHttpClient plain = new OkHttpClient.Builder().build();
    try (RegistryClient registry = Registries.open("memory://client-overhead");
         KeelOkHttp keel = KeelOkHttp.create(registry)) {
      registry.register(ServiceInstance.builder().service("bench").host("127.0.0.1").port(port).build());
      OkHttpClient balanced = keel.install(new OkHttpClient.Builder()).build();
      String direct = "http://127.0.0.1:" + port + "/ping?x=1";
      String byName = "http://bench/ping?x=1";

      for (int i = 0; i < 3; i++) { // warm-up: JIT, connection pools
        loop(plain, direct, perRound);
        loop(balanced, byName, perRound);
      }
      double[] plainUs = new double[rounds];
      double[] keelUs = new double[rounds];
      double[] plainBytes = new double[rounds];
      double[] keelBytes = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
          measure(plain, direct, perRound, plainUs, plainBytes, r);
          measure(balanced, byName, perRound, keelUs, keelBytes, r);
        } else {
          measure(balanced, byName, perRound, keelUs, keelBytes, r);
          measure(plain, direct, perRound, plainUs, plainBytes, r);
        }
      }
      System.out.printf(Locale.ROOT, "rounds %d x %d requests per client, sequential, one loopback server%n",
          rounds, perRound);
      System.out.printf(Locale.ROOT, "plain OkHttp : %7.1f us/request  %8.0f B/request%n",
          median(plainUs), median(plainBytes));
      System.out.printf(Locale.ROOT, "Keel OkHttp  : %7.1f us/request  %8.0f B/request%n",
          median(keelUs), median(keelBytes));
      System.out.printf(Locale.ROOT, "difference   : %+7.1f us/request  %+8.0f B/request (medians of per-round differences)%n",
          medianDiff(keelUs, plainUs), medianDiff(keelBytes, plainBytes));
      balanced.dispatcher().executorService().shutdown();
      balanced.connectionPool().evictAll();
    } finally {
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }

  private static void measure(OkHttpClient client, String url, int n, double[] us, double[] bytes, int r)
      throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long a0 = mx.getThreadAllocatedBytes(tid);
    long t0 = System.nanoTime();
    loop(client, url, n);
    long t1 = System.nanoTime();
    long a1 = mx.getThreadAllocatedBytes(tid);
    us[r] = (t1 - t0) / 1e3 / n;
    bytes[r] = (double) (a1 - a0) / n;
  }

  private static void loop(OkHttpClient client, String url, int n) throws Exception {
    Request request = new Request.Builder().url(url).build();
    for (int i = 0; i < n; i++) {
      try (Response response = client.newCall(request).execute()) {
        if (response.code() != 200 || response.body().bytes().length != 2) {
          throw new IllegalStateException("unexpected answer " + response.code());
        }
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  private static double medianDiff(double[] a, double[] b) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return median(d);
  }
}
