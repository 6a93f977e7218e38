package dev.keel.benchmarks.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A proxy process the rebalancing scenario runs against: keel-proxy ({@code protocol: tcp},
 * connections rebalanced, membership from a registry) or HAProxy ({@code mode tcp},
 * {@code balance leastconn}, membership from its own health checks). Both listen on 127.0.0.1 only;
 * their config and log live in {@code dir}. The process is ours: {@link #close()} stops it.
 */
final class ProxyUnderTest implements AutoCloseable {
  final String name;
  final int port;
  private final Process process;

  private ProxyUnderTest(String name, int port, Process process) {
    this.name = name;
    this.port = port;
    this.process = process;
  }

  /** keel-proxy from {@code jar}, fed by {@code registryUri}; rebalancing with the documented defaults. */
  static ProxyUnderTest keel(Path jar, String registryUri, String service, int port, int adminPort, int workers,
      String jvmOptions, Path dir) throws IOException, InterruptedException {
    Path config = dir.resolve("keel-proxy.yaml");
    Files.writeString(config, String.join("\n",
        "registry: " + registryUri,
        "admin: { listen: 127.0.0.1:" + adminPort + " }",
        "workers: " + workers,
        "listeners:",
        "  - name: bench",
        "    listen: 127.0.0.1:" + port,
        "    protocol: tcp",
        "    service: " + service,
        "    timeouts: { connect: 1s, idle: 300s }",
        "    rebalance: { tolerance: 0.10, settle: 5s, max-shed-per-second: 50 }",
        ""), StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String o : jvmOptions.trim().split("\\s+")) {
      if (!o.isEmpty()) {
        cmd.add(o);
      }
    }
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("--config");
    cmd.add(config.toString());
    return start("keel", port, cmd, dir.resolve("keel-proxy-process.log"));
  }

  /** HAProxy, leastconn, health-checking every backend port every 200 ms (fall 1, rise 1). */
  static ProxyUnderTest haproxy(String binary, int[] backendPorts, int port, int threads, Path dir)
      throws IOException, InterruptedException {
    StringBuilder cfg = new StringBuilder()
        .append("global\n  maxconn 9000\n  nbthread ").append(threads).append('\n')
        .append("defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 300s\n  timeout server 300s\n")
        .append("frontend f\n  bind 127.0.0.1:").append(port).append("\n  default_backend b\n")
        .append("backend b\n  balance leastconn\n");
    for (int i = 0; i < backendPorts.length; i++) {
      cfg.append("  server b").append(i).append(" 127.0.0.1:").append(backendPorts[i])
          .append(" check inter 200ms fall 1 rise 1\n");
    }
    Path config = dir.resolve("haproxy.cfg");
    Files.writeString(config, cfg.toString(), StandardCharsets.UTF_8);
    return start("haproxy", port, List.of(binary, "-db", "-f", config.toString()), dir.resolve("haproxy-process.log"));
  }

  private static ProxyUnderTest start(String name, int port, List<String> cmd, Path log)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ProxyUnderTest t = new ProxyUnderTest(name, port, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(name + " exited with " + p.exitValue() + "; see " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return t;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    t.close();
    throw new IllegalStateException(name + " did not listen on 127.0.0.1:" + port + " within 60 s; see " + log);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
