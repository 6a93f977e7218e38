package dev.keel.benchmarks.registry;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.etcd.EtcdRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Register-to-watch latency of the etcd adapter: the time from calling {@code register} on one
 * client until another client's {@code watch} listener receives a snapshot holding the new
 * instance, over N sequential registrations (default 1,000) in one service.
 *
 * <p>Starts its own etcd ({@code /usr/bin/etcd}) on free loopback ports with a temporary data
 * directory, and stops it and deletes the directory at the end. Run (see docs/BENCHMARKS.md):
 * <pre>
 * mvn -B -o -pl registry-etcd install -DskipTests
 * mvn -B -o -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.registry.EtcdWatchLatency 1000
 * </pre>
 */
public final class EtcdWatchLatency {
  private EtcdWatchLatency() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("keel-etcd-bench-");
    int clientPort = freePort();
    int peerPort = freePort();
    Process etcd = startEtcd(dir, clientPort, peerPort);
    Thread backstop = new Thread(etcd::destroyForcibly);
    Runtime.getRuntime().addShutdownHook(backstop);
    String endpoint = "127.0.0.1:" + clientPort;
    try (RegistryClient registrant = EtcdRegistry.builder().endpoints(endpoint).build();
         RegistryClient watcher = EtcdRegistry.builder().endpoints(endpoint).build()) {
      WatchLatency.measureAndPrint("etcd " + etcdVersion(), registrant, watcher, n);
    } finally {
      etcd.destroy();
      if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
        etcd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Runtime.getRuntime().removeShutdownHook(backstop);
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Process startEtcd(Path dir, int clientPort, int peerPort) throws Exception {
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    Process p = new ProcessBuilder(List.of("/usr/bin/etcd", "--name", "bench", "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=" + peer,
        "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap", "--log-level", "warn"))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("etcd.log").toFile())
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      try {
        HttpURLConnection c = (HttpURLConnection) new URL(client + "/health").openConnection();
        c.setConnectTimeout(500);
        try (InputStream in = c.getInputStream()) {
          if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"true\"")) {
            return p;
          }
        }
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("etcd did not start; see " + dir.resolve("etcd.log") + " (is /usr/bin/etcd installed? ./keel test installs it)");
  }

  private static String etcdVersion() {
    try {
      Process p = new ProcessBuilder("/usr/bin/etcd", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines().findFirst().orElse("?").replace("etcd Version: ", "");
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
