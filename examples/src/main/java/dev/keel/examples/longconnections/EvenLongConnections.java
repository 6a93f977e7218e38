package dev.keel.examples.longconnections;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.client.LongConnections;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps 30 long-lived TCP connections even over a service's instances with {@link LongConnections}:
 * three tiny servers, 30 connections (10 each); three more servers join, and the connections are
 * moved, make-before-break, until each of the six holds 5. Prints the spread, as the servers count
 * it, before and after.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests -Pexample -Dexample.main=dev.keel.examples.longconnections.EvenLongConnections
 * </pre>
 */
public final class EvenLongConnections {
  static final int CONNECTIONS = 30;

  private EvenLongConnections() {}

  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Runs the example; returns each server's connections at the end, by server name. */
  static Map<String, Integer> run(PrintStream out) throws Exception {
    List<TinyServer> servers = new ArrayList<>();
    try (RegistryClient registry = Registries.open("memory://even-long-connections")) {
      BalancerConfig config = BalancerConfig.builder()
          .rebalanceSettle(Duration.ofSeconds(1))   // default 5 s: shorter, so the example is quick
          .slowStartWindow(Duration.ZERO)            // new servers take their full share at once
          .build();
      try (Balancer balancer = Balancer.builder(registry, "tunnels").config(config).build()) {
        for (int i = 1; i <= 3; i++) {
          start(servers, registry, "server-" + i);
        }
        LongConnections.Connector<Socket> connector = new LongConnections.Connector<>() {
          @Override
          public Socket open(ServiceInstance i) throws Exception {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(i.host(), i.port()), 1000);
            return s;
          }

          @Override
          public void close(Socket s) throws Exception {
            s.close();
          }
        };
        try (LongConnections<Socket> connections =
                 LongConnections.builder(balancer, connector).connections(CONNECTIONS).build()) {
          awaitEven(servers, CONNECTIONS / 3);
          out.println("3 servers, " + CONNECTIONS + " connections: " + spread(servers));

          for (int i = 4; i <= 6; i++) {
            start(servers, registry, "server-" + i);
          }
          out.println("3 servers joined:                " + spread(servers));
          awaitEven(servers, CONNECTIONS / 6);
          out.println("after rebalancing (" + connections.moves() + " moves): " + spread(servers));
          return spread(servers);
        }
      }
    } finally {
      for (TinyServer s : servers) {
        s.close();
      }
    }
  }

  private static void start(List<TinyServer> servers, RegistryClient registry, String name) throws Exception {
    TinyServer s = new TinyServer(name);
    servers.add(s);
    registry.register(ServiceInstance.builder().service("tunnels").id(name)
        .host(InetAddress.getLoopbackAddress().getHostAddress()).port(s.port()).build());
  }

  /** Waits (up to 30 s) until every server holds {@code each} connections. */
  private static void awaitEven(List<TinyServer> servers, int each) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !servers.stream().allMatch(s -> s.connections() == each)) {
      Thread.sleep(50);
    }
  }

  private static Map<String, Integer> spread(List<TinyServer> servers) {
    Map<String, Integer> m = new TreeMap<>();
    servers.forEach(s -> m.put(s.name(), s.connections()));
    return m;
  }
}
