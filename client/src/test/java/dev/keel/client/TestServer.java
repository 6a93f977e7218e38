package dev.keel.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a free loopback port (the JDK's), answering its id. Behaviour can be changed
 * while it runs: a delay, a status per method, dropping the connection after reading a request, or
 * cutting the body short (the head promises more bytes than are sent before the connection closes).
 */
final class TestServer implements AutoCloseable {
  static {
    // The JDK server leaves Nagle on by default; with delayed ACKs that costs tens of ms per exchange.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  final String id;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-server");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger hits = new AtomicInteger();
  private final Map<String, AtomicInteger> hitsByMethod = new ConcurrentHashMap<>();
  private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  volatile long delayMillis;
  volatile int getStatus = 200;
  volatile int postStatus = 200;
  volatile boolean dropPosts;
  volatile boolean cutBodies;
  volatile String lastPath = "";

  private TestServer(String id) throws IOException {
    this.id = id;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  static TestServer start(String id) throws IOException {
    return new TestServer(id);
  }

  int port() {
    return server.getAddress().getPort();
  }

  ServiceInstance instance(String service) {
    return ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(port()).build();
  }

  int hits() {
    return hits.get();
  }

  int hits(String method) {
    AtomicInteger n = hitsByMethod.get(method);
    return n == null ? 0 : n.get();
  }

  String lastHeader(String name) {
    return lastHeaders.getOrDefault(name.toLowerCase(Locale.ROOT), "");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    hits.incrementAndGet();
    String method = exchange.getRequestMethod();
    hitsByMethod.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
    lastPath = exchange.getRequestURI().toString();
    exchange.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    if (method.equals("POST") && dropPosts) {
      throw new IOException("dropping the connection on purpose"); // the server closes it unanswered
    }
    long delay = delayMillis;
    if (delay > 0) {
      try {
        Thread.sleep(delay); // a slow backend's latency: the behaviour under test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int status = method.equals("POST") ? postStatus : getStatus;
    byte[] body = id.getBytes(StandardCharsets.UTF_8);
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
    } else if (cutBodies) {
      exchange.sendResponseHeaders(status, body.length + 16);
      OutputStream out = exchange.getResponseBody();
      out.write(body);
      out.flush();
      out.close(); // short of the length: the JDK server closes the connection (and throws)
    } else {
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
    exchange.close();
  }

  /** Stops at once: open connections are closed, new ones refused. */
  void kill() {
    server.stop(0);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
