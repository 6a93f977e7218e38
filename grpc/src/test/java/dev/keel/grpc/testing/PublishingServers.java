package dev.keel.grpc.testing;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The servers of a fleet test: {@link EchoServer}s of one service on the shared ZooKeeper, each
 * publishing its connection count every 500 ms and for every change (a count of ~50 has a 5 % dead
 * band of 2 connections at the default, which 10 % bounds could not tell from a real spread), and
 * what the tests read of them: connections per server, connections accepted (each move makes one).
 * Thread-safe; {@link #stop()} stops the servers (deregistering first) and the registry client.
 */
public final class PublishingServers {
  private final String service;
  private final RegistryClient registry = Registries.open(SharedZooKeeper.uri() + "/services");
  private final List<EchoServer> servers = new CopyOnWriteArrayList<>();

  public PublishingServers(String service) {
    this.service = service;
  }

  /** Starts servers {@code s<from>} .. {@code s<to - 1>}. */
  public void start(int from, int to) {
    for (int i = from; i < to; i++) {
      servers.add(new EchoServer("s" + i, registry, service, Map.of(), Duration.ofMillis(300))
          .publishing(Duration.ofMillis(500), 0.0).start());
    }
  }

  public List<EchoServer> servers() {
    return servers;
  }

  /** Client connections each server holds now, in start order. */
  public List<Integer> connections() {
    return servers.stream().map(EchoServer::connections).toList();
  }

  /** Every server holds {@code low..high} and together they hold {@code total}. */
  public boolean allWithin(int low, int high, int total) {
    List<Integer> counts = connections();
    return counts.stream().allMatch(n -> n >= low && n <= high) && counts.stream().mapToInt(Integer::intValue).sum() == total;
  }

  /** Connections accepted by all servers since they were made. */
  public long accepted() {
    return servers.stream().mapToLong(EchoServer::accepted).sum();
  }

  /** Appends a line to {@code target/fleet-report.txt}: the numbers worth reading, out of the test log. */
  public static void report(String line) {
    try {
      Files.writeString(Path.of("target", "fleet-report.txt"), Instant.now() + " " + line + System.lineSeparator(),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void stop() throws InterruptedException {
    for (EchoServer s : servers) {
      s.close();
    }
    registry.close();
  }
}
