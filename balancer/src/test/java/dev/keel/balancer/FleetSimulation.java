package dev.keel.balancer;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A fleet on a fake clock: independent one-connection clients — each its own {@link Balancer} and
 * {@link ConnectionBalancer}, sharing nothing but the discovery they read, as separate processes
 * share only the registry — and servers that publish their connection counts as {@code
 * ConnectionCountPublisher} does (at most once per interval, only changes of max(1, 5 %)), seen
 * by the clients after a propagation lag. A server counts a connection a client moved away from
 * until {@code closeLag} later (grpc-java shuts a subchannel down 5 s after it is dropped).
 */
final class FleetSimulation {
  static final long TICK_MILLIS = 250;

  final FakeClock clock = new FakeClock();
  final SettableDiscovery discovery = new SettableDiscovery();
  private final BalancerConfig config;
  private final Duration publishInterval;
  private final Duration propagation;
  private final Duration closeLag;
  private final Map<String, ServiceInstance> servers = new LinkedHashMap<>(); // registered now, by id
  private final Map<String, Integer> published = new TreeMap<>();
  private final Map<String, Long> lastWrite = new TreeMap<>();
  private final Set<String> frozen = new HashSet<>();
  private final List<Client> clients = new ArrayList<>();
  private final List<long[]> closing = new ArrayList<>(); // {server index, until}
  private final List<String> ids = new ArrayList<>(); // server index -> id
  private final List<Long> moveTimes = new ArrayList<>();

  /** One client process: its own balancer, its own connection balancer, one connection. */
  final class Client {
    final ConnectionBalancer connections;
    ConnectionLease lease;

    Client(int seed) {
      Balancer b = Balancer.builder(discovery, SettableDiscovery.SERVICE).config(config).clock(clock)
          .random(new SplittableRandom(seed)).executor(Runnable::run).build();
      connections = ConnectionBalancer.create(b);
      lease = Objects.requireNonNull(connections.open(), "no server to place a client on");
    }
  }

  private final int seed;
  private double minChange = 0.05;

  FleetSimulation(BalancerConfig config, Duration publishInterval, Duration propagation, Duration closeLag, int seed) {
    this.seed = seed;
    this.config = config;
    this.publishInterval = publishInterval;
    this.propagation = propagation;
    this.closeLag = closeLag;
  }

  /** The publishers' least change written (default 0.05, ConnectionCountPublisher's). */
  FleetSimulation minChange(double minChange) {
    this.minChange = minChange;
    return this;
  }

  /** Registers server {@code i} (weight {@code weight}) with a count of 0, as ServerRegistration does. */
  void startServer(int i, int weight) {
    ServiceInstance s = SettableDiscovery.instance(i, weight).toBuilder().putMetadata(ServiceInstance.CONNECTIONS, "0").build();
    while (ids.size() <= i) {
      ids.add(null);
    }
    ids.set(i, s.id());
    servers.put(s.id(), s);
    published.put(s.id(), 0);
    lastWrite.put(s.id(), clock.nanoTime() - publishInterval.toNanos()); // its first change goes out at once
    push();
  }

  /** Deregisters server {@code i}: its clients move off at once (make-before-break), then it stops. */
  void stopServer(int i) {
    servers.remove(ids.get(i));
    push();
    clients.forEach(this::replaceIfUnavailable);
    closing.removeIf(c -> c[0] == i);
  }

  /** Its count stays as it was from now on: a publisher that stopped writing. */
  void freeze(int i) {
    frozen.add(ids.get(i));
  }

  void addClients(int n) {
    for (int k = 0; k < n; k++) {
      clients.add(new Client(seed * 100_000 + clients.size()));
    }
  }

  /** Runs {@code d} of fake time: every tick, each client sheds as told, each server publishes. */
  void run(Duration d) {
    for (long t = 0; t < d.toMillis(); t += TICK_MILLIS) {
      clock.advanceMillis(TICK_MILLIS);
      long now = clock.nanoTime();
      closing.removeIf(c -> c[1] <= now);
      for (Client c : clients) {
        replaceIfUnavailable(c);
        for (ConnectionLease shed : c.connections.shedCandidates()) {
          move(c, shed);
        }
      }
      publishWhereDue();
    }
  }

  private void replaceIfUnavailable(Client c) {
    if (c.lease != null && !c.lease.endpoint().member()) {
      move(c, c.lease);
    }
  }

  private void move(Client c, ConnectionLease from) {
    ConnectionLease to = c.connections.open(List.of(from.endpoint()));
    if (to == null) {
      from.keep();
      return;
    }
    c.lease = to;
    from.close();
    closing.add(new long[] {ids.indexOf(from.endpoint().id()), clock.nanoTime() + closeLag.toNanos()});
    moveTimes.add(clock.nanoTime());
  }

  /** The connections each registered server holds now, as the server counts them. */
  Map<String, Integer> counts() {
    Map<String, Integer> m = new TreeMap<>();
    servers.keySet().forEach(id -> m.put(id, 0));
    for (Client c : clients) {
      m.computeIfPresent(c.lease.endpoint().id(), (k, v) -> v + 1);
    }
    for (long[] c : closing) {
      m.computeIfPresent(ids.get((int) c[0]), (k, v) -> v + 1);
    }
    return m;
  }

  /** Client connections per server, by the clients' leases (the closing ones not counted). */
  Map<String, Integer> placed() {
    Map<String, Integer> m = new TreeMap<>();
    servers.keySet().forEach(id -> m.put(id, 0));
    for (Client c : clients) {
      m.computeIfPresent(c.lease.endpoint().id(), (k, v) -> v + 1);
    }
    return m;
  }

  int moves() {
    return moveTimes.size();
  }

  /** Moves made in each window of {@code window} since {@code from} (fake nanos), in order. */
  List<Integer> movesPerWindow(long from, Duration window) {
    List<Integer> out = new ArrayList<>();
    long w = window.toNanos();
    for (long t : moveTimes) {
      if (t < from) {
        continue;
      }
      int k = (int) ((t - from) / w);
      while (out.size() <= k) {
        out.add(0);
      }
      out.set(k, out.get(k) + 1);
    }
    return out;
  }

  Map<String, Integer> published() {
    return Collections.unmodifiableMap(published);
  }

  private void publishWhereDue() {
    long now = clock.nanoTime();
    Map<String, Integer> real = counts();
    boolean changed = false;
    for (Map.Entry<String, Integer> e : real.entrySet()) {
      String id = e.getKey();
      int last = published.getOrDefault(id, 0); // both set for every server when it starts
      boolean due = now - lastWrite.getOrDefault(id, 0L) >= publishInterval.toNanos()
          && Math.abs(e.getValue() - last) >= Math.max(1.0, minChange * last);
      if (due && !frozen.contains(id)) {
        published.put(id, e.getValue());
        lastWrite.put(id, now);
        changed = true;
      }
    }
    if (changed) {
      // Seen by the clients a propagation later (the registry's state then: writes stay in order).
      clock.schedule(this::push, propagation.toNanos());
    }
  }

  /** The registry's view: the registered servers, each with the count it published last. */
  private void push() {
    List<ServiceInstance> view = new ArrayList<>();
    for (ServiceInstance s : servers.values()) {
      Integer n = published.get(s.id());
      view.add(s.toBuilder().putMetadata(ServiceInstance.CONNECTIONS, String.valueOf(n == null ? 0 : n)).build());
    }
    discovery.set(view);
  }
}
