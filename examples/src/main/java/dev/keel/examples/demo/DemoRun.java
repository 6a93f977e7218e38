package dev.keel.examples.demo;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * One run of the demo: starts the registry (unless given), the backends, the proxy and the
 * traffic, plays the {@link Script}, prints the split, and returns what happened. {@link #close()}
 * (the shutdown hook calls it too) stops everything it started, in reverse order, and deletes its
 * work directory; it may be called from any thread, at any moment, more than once.
 */
final class DemoRun implements AutoCloseable {
  static final String SERVICE = "keel-demo";
  static final int TRAFFIC_THREADS = 4;
  static final int LONG_CONNECTIONS = 12;
  private static final long REPORT_MILLIS = 3000;
  private static final Duration DEREGISTER_AFTER_KILL = Duration.ofMillis(500);

  private final DemoOptions options;
  private final PrintStream out;
  private final Path proxyJar;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private boolean closed;
  private volatile Script.Phase phase = Script.Phase.STEADY;
  private volatile long startNanos = System.nanoTime();
  private volatile long killedAtMillis = -1;
  private final Tally tally = new Tally(this::elapsedMillis);
  private final Tally longTally = new Tally(this::elapsedMillis);

  DemoRun(DemoOptions options, PrintStream out, Path proxyJar) {
    this.options = options;
    this.out = out;
    this.proxyJar = proxyJar;
  }

  DemoResult run() throws Exception {
    Path workDir = Files.createTempDirectory("keel-demo-");
    own(() -> TempDirs.delete(workDir));
    String registry = options.registry();
    if (registry == null) {
      registry = own(new EmbeddedZooKeeper(workDir.resolve("zookeeper").toFile())).registryUri();
      say("in-JVM ZooKeeper at " + registry);
    }
    List<DemoBackend> backends = new ArrayList<>();
    String[] names = {"alpha", "bravo", "charlie", "delta"};
    int[] latencies = {5, 20, 40, 10};
    for (int i = 0; i < names.length; i++) {
      backends.add(own(new DemoBackend(names[i], Duration.ofMillis(latencies[i]), registry, SERVICE)));
    }
    DemoBackend victim = backends.get(1);
    DemoBackend joiner = backends.get(3);
    for (DemoBackend b : backends.subList(0, 3)) {
      b.start();
    }
    say("backends alpha (5 ms), bravo (20 ms), charlie (40 ms) serve on loopback and registered as '" + SERVICE + "'");
    ProxyProcess proxy = own(ProxyProcess.start(proxyJar, registry, SERVICE, workDir));
    say("keel-proxy started (pid " + proxy.pid() + "), waiting until it sees the three backends");
    ProxyStatus status = new ProxyStatus(proxy.adminPort());
    status.awaitBackends(proxy, "web", List.of("alpha", "bravo", "charlie"), Duration.ofSeconds(60), this::isClosed);
    out.println();
    out.println("  proxy      http://127.0.0.1:" + proxy.httpPort() + "/   (http, round-robin; try: curl http://127.0.0.1:" + proxy.httpPort() + "/)");
    out.println("  long conns 127.0.0.1:" + proxy.tcpPort() + "         (tcp, " + LONG_CONNECTIONS + " keep-alive connections rebalanced by the proxy)");
    out.println("  dashboard  http://127.0.0.1:" + proxy.adminPort() + "/");
    out.println();
    out.println(options.duration() == null ? "  running until Ctrl-C" : "  running for " + options.duration().toSeconds() + "s");

    startNanos = System.nanoTime();
    own(new TrafficDriver(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/"), TRAFFIC_THREADS, tally, () -> phase)).start();
    KeepAliveClients longClients = own(new KeepAliveClients(new InetSocketAddress("127.0.0.1", proxy.tcpPort()),
        LONG_CONNECTIONS, longTally, () -> phase));
    longClients.start();

    Duration length = options.duration();
    Script script = new Script(length == null ? Script.UNBOUNDED_SCALE : length);
    long end = length == null ? Long.MAX_VALUE : length.toMillis();
    SplitPrinter printer = new SplitPrinter(out, List.of("alpha", "bravo", "charlie", "delta"));
    printer.header();
    int next = 0;
    long lastReport = 0;
    while (!isClosed()) {
      long now = elapsedMillis();
      if (now >= end) {
        break;
      }
      if (!proxy.alive()) {
        Thread.sleep(300); // on Ctrl-C the proxy gets the signal too, and may be gone before the hook has begun
        if (isClosed()) {
          break;
        }
        throw new IllegalStateException("keel-proxy exited; its last lines:\n" + proxy.logTail(20));
      }
      if (next < script.events().size() && now >= script.events().get(next).at().toMillis()) {
        play(script.events().get(next++).phase(), victim, joiner, now);
      }
      if (now - lastReport >= REPORT_MILLIS) {
        report(printer, status, now, now - lastReport);
        lastReport = now;
      }
      Thread.sleep(100);
    }
    if (isClosed()) {
      throw new CancellationException("stopped");
    }
    long now = elapsedMillis();
    if (now - lastReport >= 1000) {
      report(printer, status, now, now - lastReport);
    }
    Map<String, Long> connectionsAtEnd = status.connections("long");
    longClients.close();
    return result(next == script.events().size(), connectionsAtEnd, victim.name(), joiner.name(), longClients.reconnects());
  }

  private void play(Script.Phase to, DemoBackend victim, DemoBackend joiner, long now) throws Exception {
    String at = String.format("%5ds  ", now / 1000);
    switch (to) {
      case DOWN -> {
        out.println(at + "── " + victim.name() + " is killed: server stopped mid-traffic, registration gone "
            + DEREGISTER_AFTER_KILL.toMillis() + " ms later");
        killedAtMillis = now;
        victim.kill();
        phase = Script.Phase.DOWN;
        Thread.sleep(DEREGISTER_AFTER_KILL.toMillis());
        victim.deregister();
      }
      case BACK -> {
        victim.start();
        phase = Script.Phase.BACK;
        out.println(at + "── " + victim.name() + " is back at the same address: slow start ramps its share up");
      }
      case FOUR -> {
        joiner.start();
        phase = Script.Phase.FOUR;
        out.println(at + "── " + joiner.name() + " joins: slow start for requests; the proxy sheds long connections until all are even");
      }
      case STEADY -> { }
    }
  }

  private void report(SplitPrinter printer, ProxyStatus status, long now, long intervalMillis) {
    Map<String, Long> answered = tally.takeInterval();
    long errors = tally.takeIntervalFailures() + longTally.takeIntervalFailures();
    longTally.takeInterval();
    printer.row(now / 1000, Math.max(0.001, intervalMillis / 1000.0), answered, errors, status.connections("long"));
  }

  private DemoResult result(boolean completed, Map<String, Long> connectionsAtEnd, String victim, String joiner, long reconnects) {
    long inWindow = 0;
    long outside = 0;
    List<String> firstOutside = new ArrayList<>();
    List<Tally.Failure> failures = new ArrayList<>(tally.failures());
    failures.addAll(longTally.failures());
    for (Tally.Failure f : failures) {
      if (Script.inKillWindow(f.atMillis(), killedAtMillis)) {
        inWindow++;
      } else {
        outside++;
        if (firstOutside.size() < 5) {
          firstOutside.add(f.atMillis() / 1000 + "s: " + f.what());
        }
      }
    }
    DemoResult r = new DemoResult(tally.requests(), byPhase(tally), longTally.requests(), byPhase(longTally), reconnects,
        inWindow, firstOutside, outside, connectionsAtEnd, victim, joiner, completed);
    out.println();
    out.println("  requests:         " + r.requests() + " " + tally.total());
    out.println("  long connections: " + r.longRequests() + " requests " + longTally.total() + ", " + reconnects
        + " reconnects after the proxy closed an idle connection");
    out.println("  long connections at the end, per backend: " + connectionsAtEnd);
    out.println("  errors:           " + inWindow + " in the kill window, " + outside + " outside it");
    firstOutside.forEach(e -> out.println("    " + e));
    return r;
  }

  private static Map<Script.Phase, Map<String, Long>> byPhase(Tally t) {
    Map<Script.Phase, Map<String, Long>> m = new EnumMap<>(Script.Phase.class);
    for (Script.Phase p : Script.Phase.values()) {
      m.put(p, t.inPhase(p));
    }
    return m;
  }

  private long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private void say(String line) {
    out.println("keel demo: " + line);
  }

  /** True once {@link #close()} has begun. */
  synchronized boolean isClosed() {
    return closed;
  }

  /** Registers a resource for {@link #close()}; closes it at once and stops when the run is already closed. */
  private <T extends AutoCloseable> T own(T resource) throws Exception {
    synchronized (this) {
      if (!closed) {
        resources.push(resource);
        return resource;
      }
    }
    resource.close();
    throw new CancellationException("stopped");
  }

  @Override
  public void close() {
    List<AutoCloseable> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(resources);
      resources.clear();
    }
    for (AutoCloseable r : toClose) {
      try {
        r.close();
      } catch (Exception e) {
        out.println("keel demo: while stopping: " + e);
      }
    }
  }
}
