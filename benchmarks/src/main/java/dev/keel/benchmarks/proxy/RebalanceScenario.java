package dev.keel.benchmarks.proxy;

import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.test.TestingServer;

/**
 * Issue #9's rebalancing scenario, scaled: B echo backends, C long-lived request/response client
 * connections that reconnect (after 20–200 ms) when closed, through a proxy; then a rolling restart
 * of every backend (1 s notice, 1 s down, 2 s back before the next), then 30 s of observation.
 * Samples the spread once a second, counted by the backends themselves.
 *
 * <p>{@code --target keel}: keel-proxy from {@code --keel-jar}, membership from an in-JVM ZooKeeper
 * (each backend deregisters at the start of its notice second and registers when back).
 * {@code --target haproxy}: HAProxy {@code balance leastconn}, which learns the restarts from its
 * health checks (every 200 ms, fall 1, rise 1). Everything on 127.0.0.1; ends by itself.
 *
 * <pre>
 * java -cp ... dev.keel.benchmarks.proxy.RebalanceScenario --target keel|haproxy [--backends 10]
 *     [--connections 2000] [--keel-jar proxy-server/target/keel-proxy.jar] [--haproxy haproxy]
 *     [--workers 1] [--observe 30] [--out DIR]
 * </pre>
 */
public final class RebalanceScenario {
  private RebalanceScenario() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    String target = a.getOrDefault("target", "keel");
    int backends = Integer.parseInt(a.getOrDefault("backends", "10"));
    int connections = Integer.parseInt(a.getOrDefault("connections", "2000"));
    int workers = Integer.parseInt(a.getOrDefault("workers", "1"));
    int observe = Integer.parseInt(a.getOrDefault("observe", "30"));
    Path out = Path.of(a.getOrDefault("out", "."));
    Files.createDirectories(out);
    if (!target.equals("keel") && !target.equals("haproxy")) {
      throw new IllegalArgumentException("--target: '" + target + "' (expected: keel or haproxy)");
    }
    try (NioEchoBackends echo = new NioEchoBackends(backends);
        PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve(target + "-spread.csv"), StandardCharsets.UTF_8))) {
      TestingServer zk = null;
      RegistryClient registry = null;
      List<Registration> registrations = new ArrayList<>();
      ProxyUnderTest proxy = null;
      NioClients clients = null;
      try {
        int port = freePort();
        if (target.equals("keel")) {
          zk = new TestingServer(true);
          String uri = "zookeeper://" + zk.getConnectString() + "/services";
          registry = Registries.open(uri);
          for (int i = 0; i < backends; i++) {
            registrations.add(registry.register(instance(i, echo.port(i))));
          }
          proxy = ProxyUnderTest.keel(Path.of(a.getOrDefault("keel-jar", "proxy-server/target/keel-proxy.jar")),
              uri, "bench", port, freePort(), workers, a.getOrDefault("jvm", "-Xms256m -Xmx256m -XX:+UseParallelGC"), out);
        } else {
          int[] ports = new int[backends];
          for (int i = 0; i < backends; i++) {
            ports[i] = echo.port(i);
          }
          proxy = ProxyUnderTest.haproxy(a.getOrDefault("haproxy", "haproxy"), ports, port, workers, out);
        }
        clients = new NioClients(new InetSocketAddress("127.0.0.1", port), connections, 500, 1500);
        clients.start();
        long t0 = System.nanoTime();
        csv.println("t_s,phase,max_over_share,min_over_share,cv,closes,cut_mid_request," + header(backends));
        Sampler sampler = new Sampler(echo, clients, csv, t0);
        if (!sampler.waitUntil(60, c -> sum(c) == connections)) {
          throw new IllegalStateException("not all " + connections + " connections up within 60 s: " + Arrays.toString(echo.counts()));
        }
        sampler.sample("connected");
        long closesBefore = clients.closes.get();
        for (int i = 0; i < backends; i++) {
          if (registry != null) {
            registrations.get(i).close();
          }
          sampler.sleep(1, "notice b" + i);
          echo.down(i);
          sampler.sleep(1, "down b" + i);
          echo.up(i);
          if (registry != null) {
            registrations.set(i, registry.register(instance(i, echo.port(i))));
          }
          sampler.sleep(2, "back b" + i);
        }
        int[] afterRestart = echo.counts();
        long closesAtLast = clients.closes.get();
        long cutsAtLast = clients.cutMidRequest.get();
        sampler.sleep(observe, "observe");
        int[] end = echo.counts();
        Spread s = Spread.of(end);
        String summary = String.format(Locale.ROOT,
            "{\"target\":\"%s\",\"backends\":%d,\"connections\":%d,\"afterRestart\":%s,\"minMovesAfterRestart\":%.0f,"
                + "\"end\":%s,\"endMaxOverShare\":%.3f,\"endMinOverShare\":%.3f,\"endCv\":%.3f,"
                + "\"closesDuringRestart\":%d,\"closesAfterLastRestart\":%d,\"cutMidRequestAfterLastRestart\":%d,"
                + "\"responses\":%d}",
            target, backends, connections, Arrays.toString(afterRestart), Spread.of(afterRestart).minMoves,
            Arrays.toString(end), s.maxOverShare, s.minOverShare, s.cv, closesAtLast - closesBefore,
            clients.closes.get() - closesAtLast, clients.cutMidRequest.get() - cutsAtLast, clients.responses.get());
        System.out.println(summary);
        Files.writeString(out.resolve(target + "-summary.json"), summary + "\n", StandardCharsets.UTF_8);
      } finally {
        if (clients != null) {
          clients.close();
        }
        if (proxy != null) {
          proxy.close();
        }
        if (registry != null) {
          registry.close();
        }
        if (zk != null) {
          zk.close();
        }
      }
    }
  }

  private static ServiceInstance instance(int i, int port) {
    return ServiceInstance.builder().service("bench").id("b" + i).host("127.0.0.1").port(port).build();
  }

  private static String header(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append('b').append(i);
    }
    return b.toString();
  }

  static int sum(int[] c) {
    return Arrays.stream(c).sum();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("argument " + (i + 1) + ": '" + args[i] + "' (expected: --name value pairs)");
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }

  /** Connections ÷ equal share (all backends have the same weight here). */
  record Spread(double maxOverShare, double minOverShare, double cv, double minMoves) {
    static Spread of(int[] c) {
      double total = sum(c);
      if (total == 0) {
        return new Spread(0, 0, 0, 0);
      }
      double share = total / c.length;
      double max = 0;
      double min = Double.MAX_VALUE;
      double sq = 0;
      double moves = 0;
      for (int x : c) {
        max = Math.max(max, x / share);
        min = Math.min(min, x / share);
        sq += (x - share) * (x - share);
        moves += Math.max(0, x - share);
      }
      return new Spread(max, min, Math.sqrt(sq / c.length) / share, moves);
    }
  }

  /** Samples the spread once a second into the CSV while the scenario sleeps. */
  private static final class Sampler {
    private final NioEchoBackends echo;
    private final NioClients clients;
    private final PrintWriter csv;
    private final long t0;

    Sampler(NioEchoBackends echo, NioClients clients, PrintWriter csv, long t0) {
      this.echo = echo;
      this.clients = clients;
      this.csv = csv;
      this.t0 = t0;
    }

    void sample(String phase) throws InterruptedException {
      int[] c = echo.counts();
      Spread s = Spread.of(c);
      String line = String.format(Locale.ROOT, "%.1f,%s,%.3f,%.3f,%.3f,%d,%d,%s", (System.nanoTime() - t0) / 1e9, phase,
          s.maxOverShare, s.minOverShare, s.cv, clients.closes.get(), clients.cutMidRequest.get(),
          Arrays.toString(c).replaceAll("[\\[\\] ]", ""));
      csv.println(line);
      csv.flush();
      System.err.println(line);
    }

    void sleep(int seconds, String phase) throws InterruptedException {
      for (int i = 0; i < seconds; i++) {
        Thread.sleep(1000);
        sample(phase);
      }
    }

    boolean waitUntil(int seconds, java.util.function.Predicate<int[]> done) throws InterruptedException {
      for (int i = 0; i < seconds * 10; i++) {
        if (done.test(echo.counts())) {
          return true;
        }
        Thread.sleep(100);
      }
      return false;
    }
  }
}
