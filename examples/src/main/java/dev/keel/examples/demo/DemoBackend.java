package dev.keel.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One demo backend: a JDK HTTP server on loopback that answers every request with its name,
 * after its own latency, and registers itself through Keel ({@link Registries#open}) while it runs.
 * It keeps its port across a kill and a restart, so that it comes back as the same instance.
 */
final class DemoBackend implements AutoCloseable {
  static {
    // the JDK server writes headers and body in two writes: without TCP_NODELAY, Nagle and delayed
    // ACKs add ~40 ms to every answer on a keep-alive connection, hiding the backends' own latencies
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String name;
  private final Duration latency;
  private final String registryUri;
  private final String service;
  private int port;
  private @Nullable HttpServer server;
  private @Nullable ExecutorService executor;
  private @Nullable RegistryClient registry;
  private @Nullable Registration registration;

  DemoBackend(String name, Duration latency, String registryUri, String service) {
    this.name = name;
    this.latency = latency;
    this.registryUri = registryUri;
    this.service = service;
  }

  String name() {
    return name;
  }

  Duration latency() {
    return latency;
  }

  int port() {
    return port;
  }

  synchronized boolean running() {
    return server != null;
  }

  /** Starts serving (on the port it had before, if any) and registers; returns once registered. */
  synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "demo-backend-" + name);
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(pool);
    s.createContext("/", this::answer);
    s.start();
    server = s;
    executor = pool;
    port = s.getAddress().getPort();
    RegistryClient client = Registries.open(registryUri);
    registry = client;
    registration = client.register(ServiceInstance.builder()
        .service(service).id(name).host("127.0.0.1").port(port)
        .putMetadata("latency-ms", String.valueOf(latency.toMillis()))
        .build());
  }

  /**
   * Kills its server at once, mid-traffic: open connections are cut, new ones refused. Its
   * registration stays until {@link #deregister()}, as a crashed process's does until its
   * session or lease runs out.
   */
  synchronized void kill() {
    stopServer();
  }

  /** Removes its registration (and closes its registry client). */
  synchronized void deregister() {
    closeRegistry();
  }

  /** Stops gracefully: deregisters first, then stops serving. */
  @Override
  public synchronized void close() {
    closeRegistry();
    stopServer();
  }

  private void stopServer() {
    HttpServer s = server;
    ExecutorService pool = executor;
    server = null;
    executor = null;
    if (s != null) {
      s.stop(0);
    }
    if (pool != null) {
      pool.shutdownNow();
      try {
        pool.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeRegistry() {
    Registration r = registration;
    RegistryClient c = registry;
    registration = null;
    registry = null;
    try {
      if (r != null) {
        r.close();
      }
    } catch (Exception e) {
      // the registry client's close below removes it as well
    }
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("keel demo: " + name + ": closing its registry client: " + e.getMessage());
      }
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      try {
        Thread.sleep(latency.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      byte[] body = name.getBytes(StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(body);
      }
    }
  }
}
