package dev.keel.examples.services.launcher;

import dev.keel.client.KeelOkHttp;
import dev.keel.examples.services.orders.OrdersApplication;
import dev.keel.examples.services.stock.StockApplication;
import dev.keel.examples.services.storefront.Storefront;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * The multi-process example: a real ZooKeeper (in this JVM), and four service processes that
 * register in it and call each other by name:
 *
 * <pre>
 *   this launcher ──http://storefront──▶ storefront-1 (plain Java) ──http://orders──▶ orders-1, orders-2
 *                                                     (Spring Boot) ──http://stock──▶ stock-1 (Spring Boot)
 * </pre>
 *
 * While calls flow, {@code orders-1} is killed ({@code SIGKILL}) and later started again on the same
 * port. The script waits for events, not for fixed times: both orders instances serving; orders-1
 * killed and orders-2 serving alone; orders-1 back and serving again. It prints the split as it
 * goes and exits 0 when every call succeeded (calls that met the dead instance were retried on the
 * other) and the script completed within {@code --timeout} (default 180s).
 */
public final class Launcher {
  private final PrintStream out;
  private final Duration timeout;
  private final Path workDir;
  private final long started = System.nanoTime();

  Launcher(PrintStream out, Duration timeout, Path workDir) {
    this.out = out;
    this.timeout = timeout;
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Duration timeout = Duration.ofSeconds(180);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--timeout") && i + 1 < args.length) {
        timeout = Duration.parse("PT" + args[++i].toUpperCase(Locale.ROOT));
      } else {
        System.err.println("usage: Launcher [--timeout 180s]");
        System.exit(2);
      }
    }
    Path dir = Files.createTempDirectory("keel-services-");
    boolean ok = new Launcher(System.out, timeout, dir).run();
    if (ok) {
      deleteRecursively(dir); // on failure the service logs stay for reading
    }
    System.exit(ok ? 0 : 1);
  }

  /** Runs the script; true when it completed and every call succeeded. */
  boolean run() throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ServiceProcess> processes = new ArrayList<>();
    Thread cleanup = new Thread(() -> processes.forEach(p -> {
      try {
        p.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }), "services-stop");
    Runtime.getRuntime().addShutdownHook(cleanup);
    System.setProperty("zookeeper.admin.enableServer", "false");
    try (TestingServer zk = new TestingServer(new InstanceSpec(workDir.resolve("zookeeper").toFile(), freePort(),
        -1, -1, true, -1, 2000, -1, null, "127.0.0.1"), true)) {
      String uri = "zookeeper://127.0.0.1:" + zk.getPort() + "/services";
      out.println("ZooKeeper at " + uri + "; service logs in " + workDir);
      ServiceProcess orders1 = ServiceProcess.spring("orders", "orders-1", freePort(), uri, workDir, OrdersApplication.class);
      processes.add(ServiceProcess.spring("stock", "stock-1", freePort(), uri, workDir, StockApplication.class));
      processes.add(orders1);
      processes.add(ServiceProcess.spring("orders", "orders-2", freePort(), uri, workDir, OrdersApplication.class));
      int storefrontPort = freePort();
      processes.add(new ServiceProcess("storefront-1", storefrontPort, workDir, Storefront.class.getName(), uri,
          String.valueOf(storefrontPort), "storefront-1"));
      for (ServiceProcess p : processes) {
        p.start();
      }
      try (RegistryClient registry = Registries.open(uri); KeelOkHttp keel = KeelOkHttp.create(registry)) {
        out.println("starting stock-1, orders-1, orders-2 (Spring Boot) and storefront-1 (plain Java)...");
        if (!await(deadline, () -> registered(registry, "stock", 1) && registered(registry, "orders", 2)
            && registered(registry, "storefront", 1))) {
          processes.forEach(p -> out.println("--- " + p.name + (p.alive() ? "" : " (exited)") + ":\n" + p.logTail()));
          return fail("the services did not all register within " + timeout);
        }
        out.println("all registered; calling http://storefront/buy/... by name");
        Traffic traffic = new Traffic(keel.newClient(), deadline);
        Thread t = new Thread(traffic, "traffic");
        t.start();
        try {
          return script(traffic, orders1, deadline);
        } finally {
          traffic.stop();
          t.join(TimeUnit.SECONDS.toMillis(30));
        }
      }
    } finally {
      cleanup.run(); // SIGTERM: each service deregisters before it stops
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  private boolean script(Traffic traffic, ServiceProcess orders1, long deadline) throws Exception {
    traffic.phase("both");
    if (!await(deadline, () -> traffic.served("both", "orders-1") >= 20 && traffic.served("both", "orders-2") >= 20)) {
      return fail("both orders instances did not serve within the timeout");
    }
    report(traffic, "both");

    out.println("── orders-1 is killed (SIGKILL): calls that meet it are retried on orders-2");
    orders1.kill();
    traffic.phase("killed");
    long killedAt = System.nanoTime();
    if (!await(deadline, () -> traffic.served("killed", "orders-2") >= 50
        && System.nanoTime() - killedAt > TimeUnit.SECONDS.toNanos(3))) {
      return fail("orders-2 did not serve alone within the timeout");
    }
    report(traffic, "killed");

    out.println("── orders-1 is started again on port " + orders1.port + ": it re-registers and gets calls again");
    orders1.start();
    traffic.phase("restarted");
    if (!await(deadline, () -> traffic.served("restarted", "orders-1") >= 20)) {
      out.println("--- orders-1:\n" + orders1.logTail());
      return fail("orders-1 did not serve again within the timeout");
    }
    report(traffic, "restarted");
    if (!traffic.errors.isEmpty()) {
      return fail(traffic.errors.size() + " calls failed, first: " + traffic.errors.peek());
    }
    out.println("keel services: OK: " + traffic.requests() + " calls by name, none failed");
    return true;
  }

  private void report(Traffic traffic, String phase) {
    out.printf("   %-10s %4ds   orders-1: %4d   orders-2: %4d   errors so far: %d%n", phase,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
        traffic.served(phase, "orders-1"), traffic.served(phase, "orders-2"), traffic.errors.size());
  }

  private boolean fail(String why) {
    out.println("keel services: FAILED: " + why);
    return false;
  }

  private static boolean registered(RegistryClient registry, String service, int count) {
    return registry.resolve(service).size() >= count;
  }

  /** Polls {@code condition} every 100 ms until it holds or the deadline passes. */
  private static boolean await(long deadline, BooleanSupplier condition) throws InterruptedException {
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return condition.getAsBoolean();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
