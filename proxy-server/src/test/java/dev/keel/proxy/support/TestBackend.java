package dev.keel.proxy.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend on a loopback ephemeral port (JDK HttpServer). {@code /echo} returns the
 * request body; {@code /slow} never answers (until closed); {@code /hold} answers once {@link
 * #release} is counted down (or after 30 s); anything else answers the backend's name. Records
 * each request's headers.
 */
public final class TestBackend implements AutoCloseable {
  private final String name;
  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  public final AtomicInteger requests = new AtomicInteger();
  /** {@code /bytes} responses whose connection the proxy closed before they were out (a cancelled request). */
  public final AtomicInteger cut = new AtomicInteger();
  /** What {@code /health} answers: 200 while true, 503 while false. Health checks are not counted as requests. */
  public final java.util.concurrent.atomic.AtomicBoolean healthy = new java.util.concurrent.atomic.AtomicBoolean(true);
  public final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
  public final Set<String> remotePorts = ConcurrentHashMap.newKeySet();
  /** Lets {@code /hold} requests answer: a request in flight for exactly as long as a test needs. */
  public final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

  public TestBackend(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    if (ex.getRequestURI().getPath().equals("/health")) {
      ex.sendResponseHeaders(healthy.get() ? 200 : 503, -1);
      ex.close();
      return;
    }
    requests.incrementAndGet();
    headers.add(Map.copyOf(ex.getRequestHeaders()));
    remotePorts.add(String.valueOf(ex.getRemoteAddress().getPort()));
    String path = ex.getRequestURI().getPath();
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      if (path.startsWith("/slow")) {
        try {
          Thread.sleep(60_000); // /slow: a backend that does not answer within any test
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (path.startsWith("/hold")) {
        try {
          release.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (path.startsWith("/delay")) {
        try {
          Thread.sleep(700); // /delay: a slow backend's latency
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (path.startsWith("/count")) {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        int r;
        while ((r = in.read(buf)) >= 0) {
          n += r;
        }
        byte[] answer = Long.toString(n).getBytes(StandardCharsets.US_ASCII);
        ex.sendResponseHeaders(200, answer.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(answer);
        }
        return;
      }
      if (path.startsWith("/bytes")) {
        long n = Long.parseLong(ex.getRequestURI().getQuery().substring(2));
        ex.sendResponseHeaders(200, 0);
        byte[] buf = new byte[64 * 1024];
        try (OutputStream out = ex.getResponseBody()) {
          for (long left = n; left > 0; left -= buf.length) {
            out.write(buf, 0, (int) Math.min(buf.length, left));
          }
        } catch (IOException e) {
          cut.incrementAndGet(); // the proxy closed the connection before the body was out
          throw e;
        }
        return;
      }
      if (path.startsWith("/echo")) {
        ex.getResponseHeaders().add("X-Backend", name);
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
          in.transferTo(out);
        }
        return;
      }
      in.transferTo(OutputStream.nullOutputStream());
      body = name.getBytes(StandardCharsets.UTF_8);
      if (path.startsWith("/login")) {
        ex.getResponseHeaders().add("Set-Cookie", "SID=abc-" + name + "; Path=/");
      }
    }
    ex.getResponseHeaders().add("X-Backend", name);
    ex.getResponseHeaders().add("Connection", "X-Secret");
    ex.getResponseHeaders().add("X-Secret", "hop");
    ex.getResponseHeaders().add("Keep-Alive", "timeout=5");
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(200, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String address() {
    return "127.0.0.1:" + port();
  }

  /** The last request's header values for {@code name} (JDK capitalizes the first letter). */
  public List<String> lastHeader(String headerName) {
    Map<String, List<String>> h = headers.get(headers.size() - 1);
    for (Map.Entry<String, List<String>> e : h.entrySet()) {
      if (e.getKey().equalsIgnoreCase(headerName)) {
        return e.getValue();
      }
    }
    return List.of();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
