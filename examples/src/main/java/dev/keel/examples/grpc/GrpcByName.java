package dev.keel.examples.grpc;

import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.ServerRegistration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;

/**
 * gRPC by service name through a real ZooKeeper (started in this JVM): three greeter servers
 * register themselves with {@link ServerRegistration}; a channel to {@code
 * zookeeper://127.0.0.1:PORT/services/greeter} balances every call with the {@code keel} policy;
 * one server stops (deregistered first, so no call fails); then 30 one-connection channels ({@code
 * keel_connection}) spread evenly, and stay even when a fourth server joins.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests -Pexample -Dexample.main=dev.keel.examples.grpc.GrpcByName
 * </pre>
 */
public final class GrpcByName {
  private GrpcByName() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // the embedded ZooKeeper is chatty
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "error");
    run(System.out);
  }

  static void run(PrintStream out) throws Exception {
    try (TestingServer zk = new TestingServer(true)) {
      String registryUri = "zookeeper://127.0.0.1:" + zk.getPort() + "/services";
      List<ServerRegistration> servers = new ArrayList<>();
      RegistryClient registry = Registries.open(registryUri); // the servers' registry client
      try {
        for (String name : List.of("alpha", "bravo", "charlie")) {
          servers.add(startServer(registry, name));
        }

        // 1. Per-RPC balancing: one channel, a connection to every instance, Keel picks per call.
        ManagedChannel channel = Grpc.newChannelBuilder(registryUri + "/greeter", InsecureChannelCredentials.create())
            .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.POLICY, Map.of("policy", "least-request")))
            .build();
        out.println("keel, 300 calls:            " + split(channel, 300));
        servers.remove(0).stop(Duration.ofSeconds(5)); // alpha: deregister, wait, then stop
        out.println("keel, alpha stopped:        " + split(channel, 300));
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

        // 2. One connection per channel, kept even across the process's channels.
        Map<String, ?> config = Map.of("rebalanceSettle", "1s", "rebalanceInterval", "200ms");
        List<ManagedChannel> clients = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          clients.add(Grpc.newChannelBuilder(registryUri + "/greeter", InsecureChannelCredentials.create())
              .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.CONNECTION_POLICY, config)).build());
        }
        out.println("keel_connection, 30 clients: " + connections(clients));
        servers.add(startServer(registry, "delta"));
        awaitEven(clients, 3, 10, Duration.ofSeconds(20)); // bravo, charlie, delta: 10 each
        out.println("keel_connection, delta in:   " + connections(clients));
        for (ManagedChannel c : clients) {
          c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        for (ServerRegistration s : servers) {
          s.stop(Duration.ofSeconds(5));
        }
        registry.close();
      }
    }
  }

  private static ServerRegistration startServer(RegistryClient registry, String name) throws Exception {
    ServerRegistration registration = ServerRegistration.builder(registry, "greeter").id(name)
        .drainDelay(Duration.ofMillis(200)).build();
    registration.start(Grpc.newServerBuilderForPort(0, io.grpc.InsecureServerCredentials.create())
        .addService(Greeter.service(name)).build());
    return registration;
  }

  private static String hello(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(channel, Greeter.HELLO,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "keel");
  }

  /** Calls per answering server (the last word of the greeting). */
  private static Map<String, Integer> split(ManagedChannel channel, int calls) {
    Map<String, Integer> split = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      String greeting = hello(channel);
      split.merge(greeting.substring(greeting.lastIndexOf(' ') + 1), 1, Integer::sum);
    }
    return split;
  }

  /** Which server each one-connection channel talks to, counted per server. */
  private static Map<String, Integer> connections(List<ManagedChannel> clients) {
    Map<String, Integer> spread = new TreeMap<>();
    for (ManagedChannel c : clients) {
      String greeting = hello(c);
      spread.merge(greeting.substring(greeting.lastIndexOf(' ') + 1), 1, Integer::sum);
    }
    return spread;
  }

  /** Until every server holds {@code each} of the channels' connections, or {@code within} has passed. */
  private static void awaitEven(List<ManagedChannel> clients, int servers, int each, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Integer> spread = connections(clients);
      if (spread.size() == servers && spread.values().stream().allMatch(n -> n == each)) {
        return;
      }
      Thread.sleep(200); // polling what the connection balancer does on its own clock
    }
  }
}
