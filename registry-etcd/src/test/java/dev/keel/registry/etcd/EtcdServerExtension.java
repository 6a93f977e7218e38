package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.testsupport.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd ({@code /usr/bin/etcd}, Debian's {@code etcd-server}) for one test class: free
 * loopback ports, a data directory under {@code target/}, short heartbeat and election timeouts.
 * Register it as a static {@code @RegisterExtension} field. {@link #stop()}, {@link #start()} and
 * {@link #restart()} keep the ports and the data, as a real restart does.
 *
 * <p>Stopped and its directory deleted after the class; a JVM shutdown hook kills it if the run is
 * cut short. A missing binary fails the tests (it does not skip them).
 */
public final class EtcdServerExtension implements BeforeAllCallback, AfterAllCallback {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

  private final Path dataDir = Path.of("target", "etcd-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
  private final boolean tls;
  private final Thread shutdownHook = new Thread(this::destroy, "etcd-test-server-backstop");
  private int clientPort;
  private int peerPort;
  private volatile @Nullable Process process;

  /** A plain-text etcd. */
  public EtcdServerExtension() {
    this(false);
  }

  /**
   * @param tls serve clients over TLS with client-certificate authentication; the CA, server and
   *     client certificates are made with {@code openssl} in the data directory ({@link #tlsFile})
   */
  public EtcdServerExtension(boolean tls) {
    this.tls = tls;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    requireBinaries();
    clientPort = freePort();
    peerPort = freePort();
    Files.createDirectories(dataDir);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    if (tls) {
      // a throw-away CA, a server certificate for 127.0.0.1 and a client certificate (openssl, EC P-256)
      Path dir = Files.createDirectories(dataDir.resolve("tls"));
      TestPki.Authority ca = new TestPki(dir).authority("ca");
      ca.issue("server", "IP:127.0.0.1", "DNS:localhost");
      ca.issue("client");
    }
    start();
  }

  /** A file made for TLS: {@code ca.pem}, {@code server.pem}, {@code client.pem}, {@code client.key}... */
  public Path tlsFile(String name) {
    return dataDir.resolve("tls").resolve(name);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // the JVM is already shutting down
    }
  }

  static void requireBinaries() {
    requireBinaries(ETCD, ETCDCTL);
  }

  static void requireBinaries(Path etcd, Path etcdctl) {
    if (!Files.isExecutable(etcd) || !Files.isExecutable(etcdctl)) {
      throw new IllegalStateException(etcd + " (or " + etcdctl + ") is missing: these tests run a real etcd from "
          + "Debian's etcd-server package. Run `./keel test`, which installs it, or `apt-get install etcd-server`.");
    }
  }

  /** {@code http://127.0.0.1:port}, the client URL. */
  public String endpoint() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  public int clientPort() {
    return clientPort;
  }

  /** Starts etcd on the same ports and data directory; returns once it answers /health. */
  public synchronized void start() throws Exception {
    Process running = process;
    if (running != null && running.isAlive()) {
      return;
    }
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd = new ArrayList<>(List.of(ETCD.toString(),
        "--name", "keel-test",
        "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", endpoint(),
        "--advertise-client-urls", endpoint(),
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "keel-test=" + peer,
        "--initial-cluster-state", "new",
        "--heartbeat-interval", "50",
        "--election-timeout", "500",
        "--logger", "zap",
        "--log-level", "warn"));
    if (tls) {
      cmd.addAll(List.of("--cert-file", tlsFile("server.pem").toString(), "--key-file", tlsFile("server.key").toString(),
          "--trusted-ca-file", tlsFile("ca.pem").toString(), "--client-cert-auth"));
    }
    Process started = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile()))
        .start();
    process = started;
    awaitHealthy(started);
  }

  /** Stops etcd (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. */
  public synchronized void stop() throws InterruptedException {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  public void restart() throws Exception {
    stop();
    start();
  }

  /** Runs {@code etcdctl} (API v3) against this server and returns its standard output. */
  public String etcdctl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints=" + endpoint(), "--dial-timeout=3s"));
    if (tls) {
      cmd.addAll(List.of("--cacert=" + tlsFile("ca.pem"), "--cert=" + tlsFile("client.pem"), "--key=" + tlsFile("client.key")));
    }
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("etcdctl %s finished", cmd).isTrue();
    assertThat(p.exitValue()).as("exit status of etcdctl %s: %s", args, out).isZero();
    return out.strip();
  }

  private void awaitHealthy(Process starting) {
    try {
      await("etcd answering on " + endpoint()).atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(tls ? 100 : 50)) // etcdctl is a process per poll
          .failFast("etcd exited", () -> !starting.isAlive())
          .until(tls ? this::healthyByEtcdctl : this::healthyByHttp);
    } catch (TerminalFailureException e) {
      throw new IllegalStateException("etcd exited with " + starting.exitValue() + "; see " + dataDir.resolve("etcd.log"));
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("etcd did not become healthy within 20 s; see " + dataDir.resolve("etcd.log"));
    }
  }

  private boolean healthyByHttp() {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(endpoint() + "/health").openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"true\"");
      }
    } catch (IOException notYet) {
      return false; // starting
    }
  }

  private boolean healthyByEtcdctl() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(ETCDCTL.toString(), "--endpoints=" + endpoint(), "--dial-timeout=1s",
        "--cacert=" + tlsFile("ca.pem"), "--cert=" + tlsFile("client.pem"), "--key=" + tlsFile("client.key"),
        "endpoint", "health").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private void destroy() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Process p = process;
      if (p != null) {
        p.destroyForcibly();
      }
    }
    deleteRecursively(dataDir);
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
