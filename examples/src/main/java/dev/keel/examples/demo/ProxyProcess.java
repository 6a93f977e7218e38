package dev.keel.examples.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code keel-proxy} run as a child process from {@code proxy-server/target/keel-proxy.jar}, with a
 * config file of two listeners on free loopback ports: {@code web} (http) for the request traffic
 * and {@code long} (tcp) for the long-lived connections, plus the admin listener (dashboard,
 * {@code /status}). Its output goes to a log file in the demo's work directory.
 */
final class ProxyProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int httpPort;
  private final int tcpPort;
  private final int adminPort;

  private ProxyProcess(Process process, Path log, int httpPort, int tcpPort, int adminPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.tcpPort = tcpPort;
    this.adminPort = adminPort;
  }

  /** Starts the proxy; it is still starting up when this returns (see {@link ProxyStatus#await}). */
  static ProxyProcess start(Path jar, String registryUri, String service, Path workDir) throws IOException {
    int http = freePort();
    int tcp = freePort();
    int admin = freePort();
    Path config = workDir.resolve("proxy.yaml");
    Files.writeString(config, config(registryUri, service, http, tcp, admin), StandardCharsets.UTF_8);
    Path log = workDir.resolve("proxy.log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // a small, quick-starting JVM: the demo shares the machine with its backends and traffic
    cmd.addAll(List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    cmd.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
    Process p = new ProcessBuilder(cmd)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    return new ProxyProcess(p, log, http, tcp, admin);
  }

  /** The proxy's config: what DESIGN.md pins, with a short settle so that rebalancing shows in a short run. */
  static String config(String registryUri, String service, int http, int tcp, int admin) {
    return """
        registry: "%s"
        shutdown-grace: 1s
        admin:
          listen: 127.0.0.1:%d
        listeners:
          - name: web
            listen: 127.0.0.1:%d
            protocol: http
            service: %s
            policy: round-robin
          - name: long
            listen: 127.0.0.1:%d
            protocol: tcp
            service: %s
            rebalance:
              tolerance: 0.10
              settle: 2s
              max-shed-per-second: 4
        """.formatted(registryUri.replace("\"", "\\\""), admin, http, service, tcp, service);
  }

  int httpPort() {
    return httpPort;
  }

  int tcpPort() {
    return tcpPort;
  }

  int adminPort() {
    return adminPort;
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** The last lines of the proxy's output, to explain a failure. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no proxy log: " + e.getMessage() + ")";
    }
  }

  /** Stops it (SIGTERM: the proxy drains for its 1 s grace), then kills it if it is still there, and waits. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle c : children) {
      c.destroyForcibly();
    }
  }

  /**
   * Where {@code keel-proxy.jar} is: the {@code keel.proxy.jar} system property, else
   * {@code proxy-server/target/keel-proxy.jar} in the working directory or one of its parents.
   */
  static Path locateJar() {
    String explicit = System.getProperty("keel.proxy.jar");
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit).toAbsolutePath();
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException("keel.proxy.jar: " + p + " does not exist (build it: ./keel build)");
      }
      return p;
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("proxy-server").resolve("target").resolve("keel-proxy.jar");
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("proxy-server/target/keel-proxy.jar not found from " + Path.of("").toAbsolutePath()
        + " (build it: mvn -B -q -pl proxy-server -am package -DskipTests, or run ./keel demo, which builds it)");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
