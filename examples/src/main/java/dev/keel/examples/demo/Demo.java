package dev.keel.examples.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ./keel demo [--registry URI] [--duration 30s]}: runs a {@link DemoRun} and exits 0 when
 * it was clean (requests answered, no error outside the kill window), 1 when it was not, 2 on a
 * usage error, 130 when stopped by Ctrl-C, which stops everything through a shutdown hook.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) {
    quietLogs();
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("keel demo: " + e.getMessage());
      System.err.print(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.print(DemoOptions.USAGE);
      return;
    }
    System.exit(run(options, System.out));
  }

  /** Runs the demo to its end (or until Ctrl-C) and returns its exit code; stops everything it started. */
  static int run(DemoOptions options, PrintStream out) {
    DemoRun run;
    try {
      run = new DemoRun(options, out, ProxyProcess.locateJar());
    } catch (IllegalStateException e) {
      out.println("keel demo: FAILED: " + e.getMessage());
      return 1;
    }
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread hook = new Thread(() -> {
      interrupted.set(true);
      out.println();
      out.println("keel demo: stopping (the proxy, the backends, the registry; deleting the work directory)");
      run.close();
      out.println("keel demo: stopped");
    }, "keel-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      DemoResult result = run.run();
      run.close();
      out.println(result.verdict());
      return result.clean() ? 0 : 1;
    } catch (Exception e) {
      if (interrupted.get() || e instanceof CancellationException) {
        return 130; // stopped by Ctrl-C while starting or running
      }
      run.close();
      out.println("keel demo: FAILED: " + e.getMessage());
      return 1;
    } finally {
      run.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running (Ctrl-C): it stops everything
      }
    }
  }

  /**
   * Keeps the console for the demo's own lines: ZooKeeper, Curator and Keel log warnings and errors
   * only, nacos-client errors only (it warns about its redo task while a new client connects).
   */
  static void quietLogs() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "error");
    System.setProperty("org.slf4j.simpleLogger.log.com.alibaba.nacos", "error");
    System.setProperty("org.slf4j.simpleLogger.log.com.alibaba.nacos.common.remote.client", "off");
    Logger root = Logger.getLogger(""); // java.util.logging, which gRPC (etcd's client, nacos-client's shaded one) uses
    root.setLevel(Level.WARNING);
    for (java.util.logging.Handler h : root.getHandlers()) {
      h.setLevel(Level.WARNING);
    }
  }
}
