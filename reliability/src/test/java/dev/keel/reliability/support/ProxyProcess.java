package dev.keel.reliability.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keel-proxy ({@code dev.keel.proxy.Main --config}) in a child JVM, so that its resident memory and
 * file descriptors, read from {@code /proc/<pid>}, are its own and not the test's. It runs on the
 * test's class path (which holds keel-proxy-server and its dependencies) with the JVM flags given.
 * Listener and admin bind port 0; the ports are read from the proxy's start-up log, so no port is
 * guessed. {@link #close()} stops it (SIGTERM, then SIGKILL after 5 s) and waits for it; a shutdown
 * hook does the same should the test JVM exit first.
 */
public final class ProxyProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyProcess.class);
  private static final Pattern LISTENER = Pattern.compile("listener '([^']+)' on \\S*:(\\d+) ->");
  private static final Pattern ADMIN = Pattern.compile("admin on http://\\S*:(\\d+)/");

  private final Process process;
  private final String listener;
  private final Thread shutdownHook;
  private final CompletableFuture<Integer> listenPort = new CompletableFuture<>();
  private final CompletableFuture<Integer> adminPort = new CompletableFuture<>();
  private final CompletableFuture<Void> started = new CompletableFuture<>();

  private ProxyProcess(Process process, String listener) {
    this.process = process;
    this.listener = listener;
    this.shutdownHook = new Thread(process::destroyForcibly, "keel-proxy-child-killer");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Thread reader = new Thread(() -> pump(process.getInputStream()), "keel-proxy-child-log");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the proxy from {@code yaml} (written to {@code dir/proxy.yaml}) whose listener is named
   * {@code listener}, and waits until it has logged its ports and that it started.
   */
  public static ProxyProcess start(Path dir, String yaml, String listener, List<String> jvmFlags, long startTimeoutSeconds)
      throws IOException, InterruptedException {
    Path config = dir.resolve("proxy.yaml");
    Files.writeString(config, yaml);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    // The child runs on this module's test class path, so its simplelogger.properties: the proxy's
    // INFO lines (its ports, "started") are what this class waits for.
    cmd.add("-Dorg.slf4j.simpleLogger.log.dev.keel.proxy=info");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.keel.proxy.Main");
    cmd.add("--config");
    cmd.add(config.toString());
    log.info("starting keel-proxy: {} ... dev.keel.proxy.Main --config {}", String.join(" ", jvmFlags), config);
    // the temp dir as working directory: whatever the JVM or an attaching jcmd leaves there goes with it
    ProxyProcess p = new ProxyProcess(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start(), listener);
    try {
      CompletableFuture.allOf(p.listenPort, p.adminPort, p.started).get(startTimeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      p.close();
      throw new IllegalStateException("keel-proxy did not start within " + startTimeoutSeconds + " s (alive: "
          + p.process.isAlive() + "); see its log lines above", e);
    }
    return p;
  }

  private void pump(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        log.info("[proxy {}] {}", process.pid(), line);
        Matcher m = LISTENER.matcher(line);
        if (m.find() && m.group(1).equals(listener)) {
          listenPort.complete(Integer.parseInt(m.group(2)));
        }
        m = ADMIN.matcher(line);
        if (m.find()) {
          adminPort.complete(Integer.parseInt(m.group(1)));
        }
        if (line.contains("keel-proxy started in")) {
          started.complete(null);
        }
      }
    } catch (IOException e) {
      // the child's output closes when it exits; nothing to report beyond what it printed
    }
    started.completeExceptionally(new IllegalStateException("keel-proxy exited"));
  }

  public long pid() {
    return process.pid();
  }

  public InetSocketAddress listenAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort.join());
  }

  /** Resident set size (VmRSS) in KiB. */
  public long rssKib() {
    return statusField("VmRSS");
  }

  public long threads() {
    return statusField("Threads");
  }

  /** Open file descriptors: entries of {@code /proc/<pid>/fd}. */
  public long openFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long statusField(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith(name + ":")) {
          return Long.parseLong(line.substring(name.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException(name + " not in /proc/" + pid() + "/status");
  }

  /** A class histogram of the live heap: bytes per class name, and their total. */
  public record Histogram(Map<String, Long> bytesByClass, long totalBytes) {
    /** The {@code n} classes whose bytes grew most from {@code before} to this one, largest first. */
    public List<Map.Entry<String, Long>> topGrowth(Histogram before, int n) {
      return bytesByClass.entrySet().stream()
          .map(e -> Map.entry(e.getKey(), e.getValue() - before.bytesByClass.getOrDefault(e.getKey(), 0L)))
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n).toList();
    }

    /** Bytes of {@code className} more in this one than in {@code before}. */
    public long growth(Histogram before, String className) {
      return bytesByClass.getOrDefault(className, 0L) - before.bytesByClass.getOrDefault(className, 0L);
    }
  }

  /**
   * {@code jcmd <pid> GC.class_histogram}: the live heap by class after the full collection it runs
   * first, so that garbage not yet collected does not count; null when the JDK has no jcmd. Takes a
   * second or two (jcmd is a JVM of its own). The first call starts the proxy's attach listener
   * (one thread, one descriptor).
   */
  public @Nullable Histogram liveHeap() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return null;
    }
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      throw new IOException("jcmd GC.class_histogram did not answer within 30 s");
    }
    Map<String, Long> byClass = new HashMap<>();
    long total = -1;
    for (String line : out.join().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        byClass.merge(f[3], Long.parseLong(f[2]), Long::sum);
      } else if (f.length >= 3 && "Total".equals(f[0])) {
        total = Long.parseLong(f[2]);
      }
    }
    if (total < 0) {
      throw new IOException("jcmd GC.class_histogram: no Total line in " + out.join().lines().limit(3).toList());
    }
    return new Histogram(byClass, total);
  }

  /**
   * The admin endpoint's body for {@code path}, over a fresh connection closed right after (so that
   * scraping leaves no keep-alive connection counted among the proxy's descriptors).
   */
  public String admin(String path) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), adminPort.join())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!response.startsWith("HTTP/1.1 200")) {
        throw new IOException("admin " + path + ": " + response.lines().findFirst().orElse("(empty)"));
      }
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }

  /**
   * The value of the Prometheus sample {@code name} whose labels contain {@code labelMatch} (e.g.
   * {@code listener="web"}); NaN when absent.
   */
  public double metric(String name, String labelMatch) throws IOException {
    for (String line : admin("/metrics").split("\n")) {
      if (line.startsWith(name + "{") && line.contains(labelMatch)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    try {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      if (process.isAlive()) {
        log.error("keel-proxy child {} still alive after SIGKILL", process.pid());
      } else {
        log.info("keel-proxy child {} exited with status {}", process.pid(), process.exitValue());
      }
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running or about to: it kills the child anyway
      }
    }
  }
}
