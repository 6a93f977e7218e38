package dev.keel.reliability.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP/1.1 keep-alive backend on a loopback port whose latency and health can be switched
 * while it runs. Every path but {@code /health} answers its name after {@link #delay} (at first
 * {@link #BASE_DELAY}, so that there are always requests in flight, as with a real service); {@code
 * /health} answers {@link #healthStatus} after {@link #healthDelay}, so that a test can make the
 * work slow while the health check passes (only passive ejection sees it), fail or slow the check
 * as well, or fail the check alone. Arrivals are counted per {@code X-Load}
 * header, so that the proxy's and the client's traffic can be told apart at the backend.
 */
public final class SlowBackend implements AutoCloseable {
  public static final Duration BASE_DELAY = Duration.ofMillis(10);
  private final String name;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
  private volatile long delayMillis = BASE_DELAY.toMillis();
  private volatile long healthDelayMillis;
  private volatile int healthStatus = 200;

  private SlowBackend(String name) throws IOException {
    this.name = name;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    LoopbackHttp.acceptInBackground(server, name, sockets, this::serve);
  }

  public static SlowBackend start(String name) throws IOException {
    return new SlowBackend(name);
  }

  /** How long every request but {@code /health} waits before its answer. */
  public SlowBackend delay(Duration d) {
    delayMillis = d.toMillis();
    return this;
  }

  /** How long {@code /health} waits before its answer. */
  public SlowBackend healthDelay(Duration d) {
    healthDelayMillis = d.toMillis();
    return this;
  }

  /** The status {@code /health} answers: 200 passes, 503 fails. */
  public SlowBackend healthStatus(int status) {
    healthStatus = status;
    return this;
  }

  /** Back to {@link #BASE_DELAY}, with a passing health check answered at once. */
  public SlowBackend fast() {
    return delay(BASE_DELAY).healthDelay(Duration.ZERO).healthStatus(200);
  }

  /** Requests (not health checks) that arrived with {@code X-Load: tag}. */
  public int arrivals(String tag) {
    AtomicInteger n = arrivals.get(tag);
    return n == null ? 0 : n.get();
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code 127.0.0.1:port}, as it is registered and shown in the proxy's {@code /status}. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  private void serve(Socket c) {
    try (c; InputStream in = new BufferedInputStream(c.getInputStream()); OutputStream out = c.getOutputStream()) {
      for (LoopbackHttp.Request r = LoopbackHttp.read(in); r != null; r = LoopbackHttp.read(in)) {
        boolean health = r.path().startsWith("/health");
        int status = health ? healthStatus : 200;
        if (!health) {
          arrivals.computeIfAbsent(r.header("x-load"), k -> new AtomicInteger()).incrementAndGet();
        }
        long wait = health ? healthDelayMillis : delayMillis;
        // The latch, not a sleep: close() ends every wait at once, so no thread outlives the test by much.
        if (wait > 0 && closed.await(wait, TimeUnit.MILLISECONDS)) {
          return;
        }
        LoopbackHttp.answer(out, status, name, r.close());
        if (r.close()) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the peer gave up (a proxy's 504 closes its upstream connection) or close() ended it
    } finally {
      sockets.remove(c);
    }
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
    sockets.clear();
  }
}
