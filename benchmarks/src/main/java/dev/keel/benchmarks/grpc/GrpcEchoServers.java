package dev.keel.benchmarks.grpc;

import dev.keel.grpc.testing.EchoServer;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Backends for {@link GrpcLoad}: {@code --count} grpc-netty servers of {@code keel.test.Echo} on
 * 127.0.0.1 that register in {@code --registry} as {@code --service} and answer with their name.
 * Prints their addresses (for a proxy's static config), optionally restarts them one by one every
 * {@code --restart-every} (deregister, drain, stop, start on the same port, register), and stops
 * after {@code --duration} (at most 1 hour) or on Ctrl-C, deregistering first.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.grpc.GrpcEchoServers \
 *     --registry zookeeper://127.0.0.1:2181/services --service echo --count 4 --duration 120s
 * </pre>
 */
public final class GrpcEchoServers {
  private GrpcEchoServers() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = GrpcLoad.options(args);
    String uri = o.getOrDefault("registry", "memory://grpc-echo");
    String service = o.getOrDefault("service", "echo");
    int count = Integer.parseInt(o.getOrDefault("count", "4"));
    Duration duration = GrpcLoad.parse(o.getOrDefault("duration", "60s"));
    if (duration.compareTo(Duration.ofHours(1)) > 0) {
      duration = Duration.ofHours(1);
    }
    Duration restartEvery = o.containsKey("restart-every") ? GrpcLoad.parse(o.get("restart-every")) : null;
    List<EchoServer> servers = new ArrayList<>();
    CountDownLatch stopped = new CountDownLatch(1);
    RegistryClient registry = Registries.open(uri);
    try {
      for (int i = 0; i < count; i++) {
        servers.add(new EchoServer(service + "-" + i, registry, service, Map.of(), Duration.ofMillis(500)).start());
      }
      System.out.println("serving " + service + " at " + servers.stream().map(s -> "127.0.0.1:" + s.port())
          .collect(Collectors.joining(",")) + " (registered in " + dev.keel.registry.RegistryUri.parse(uri) + ")");
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "grpc-echo-stop"));
      long end = System.nanoTime() + duration.toNanos();
      int next = 0;
      while (System.nanoTime() < end) {
        long wait = restartEvery == null ? end - System.nanoTime() : Math.min(restartEvery.toNanos(), end - System.nanoTime());
        if (stopped.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
          break;
        }
        if (restartEvery != null && System.nanoTime() < end) {
          EchoServer s = servers.get(next++ % servers.size());
          System.out.println("restarting " + s.name());
          s.restart();
        }
      }
    } finally {
      for (EchoServer s : servers) {
        s.close(); // deregister first, then stop
      }
      registry.close();
    }
  }
}
