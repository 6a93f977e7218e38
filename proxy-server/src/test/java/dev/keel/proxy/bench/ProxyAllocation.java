package dev.keel.proxy.bench;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one proxied request costs keel-proxy's event loop, counted rather than timed, so that it can
 * be compared between builds on a busy machine: bytes allocated per request (the JVM's per-thread
 * allocation counter, exact) and CPU nanoseconds per request (the thread's CPU time: steadier than
 * wall time, but still moved by the machine's load and the JIT). keel-proxy runs in this JVM with
 * one worker, on loopback, in front of a minimal HTTP/1.1 backend (a fixed {@code 200 ok}, one
 * thread per connection); closed-loop clients send keep-alive GETs. Only the event loop thread is
 * counted: the clients and the backend allocate on their own threads.
 *
 * <pre>
 * mvn -B -o -pl proxy-server -am package test-compile -DskipTests
 * java -cp proxy-server/target/keel-proxy.jar:proxy-server/target/test-classes \
 *   dev.keel.proxy.bench.ProxyAllocation [requests=200000] [connections=16] [warmup=200000]
 * </pre>
 *
 * (benchmarks/proxy/alloc-keel.sh runs it.) It lives beside the proxy's tests rather than in the
 * benchmarks module, whose dependencies (Dubbo's) cannot share a class path with the proxy's under
 * the enforcer's upper-bound rule.
 *
 * Prints one line per measurement window (3) and their median. Loopback only; bounded by the
 * request count; stops everything it started.
 */
public final class ProxyAllocation {
  private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: keel-bench\r\nAccept: */*\r\n\r\n"
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
      .getBytes(StandardCharsets.US_ASCII);

  private ProxyAllocation() {}

  public static void main(String[] args) throws Exception {
    // as keel-proxy's main sets them (NettyDefaults), before any Netty class loads
    for (String[] p : new String[][] {{"io.netty.allocator.type", "pooled"}, {"io.netty.leakDetection.level", "disabled"}}) {
      if (System.getProperty(p[0]) == null) {
        System.setProperty(p[0], p[1]);
      }
    }
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
    try (Backend backend = new Backend()) {
      ProxyServer proxy = ProxyServer.start(new ConfigLoader(Map.<String, String>of()::get).parse(String.join("\n",
          "registry: static://127.0.0.1:" + backend.port(),
          "admin: { enabled: false }",
          "workers: 1",
          "listeners:",
          "  - name: bench",
          "    listen: 127.0.0.1:0",
          "    service: bench",
          "    policy: round-robin",
          ""), null));
      try {
        InetSocketAddress at = proxy.address("bench");
        run(at, connections, warmup);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long loop = eventLoopThread();
        List<double[]> windows = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
          long b0 = threads.getThreadAllocatedBytes(loop);
          long c0 = threads.getThreadCpuTime(loop);
          run(at, connections, requests);
          double bytes = (double) (threads.getThreadAllocatedBytes(loop) - b0) / requests;
          double cpu = (double) (threads.getThreadCpuTime(loop) - c0) / requests;
          windows.add(new double[] {bytes, cpu});
          System.out.printf("window %d: %d requests, %.1f B/request, %.0f ns CPU/request on the event loop%n",
              w + 1, requests, bytes, cpu);
        }
        windows.sort((x, y) -> Double.compare(x[0], y[0]));
        double medianBytes = windows.get(1)[0];
        windows.sort((x, y) -> Double.compare(x[1], y[1]));
        System.out.printf("median: %.1f B/request, %.0f ns CPU/request (keel-proxy event loop, %d connections)%n",
            medianBytes, windows.get(1)[1], connections);
      } finally {
        proxy.close(Duration.ofSeconds(1));
      }
    }
  }

  /** The proxy's only event loop thread (one worker). */
  private static long eventLoopThread() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("keel-io")) {
        return t.getId();
      }
    }
    throw new IllegalStateException("no keel-io thread");
  }

  /** {@code total} keep-alive GETs over {@code connections} connections, one in flight on each. */
  private static void run(InetSocketAddress at, int connections, int total) throws Exception {
    AtomicLong left = new AtomicLong(total);
    CountDownLatch done = new CountDownLatch(connections);
    List<Throwable> failures = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Thread t = new Thread(() -> {
        try (Socket s = new Socket()) {
          s.setTcpNoDelay(true);
          s.connect(at, 5000);
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          InputStream in = s.getInputStream();
          byte[] buf = new byte[4096];
          while (left.getAndDecrement() > 0) {
            out.write(REQUEST);
            readResponse(in, buf);
          }
        } catch (IOException | RuntimeException e) {
          synchronized (failures) {
            failures.add(e);
          }
        } finally {
          done.countDown();
        }
      }, "bench-client-" + i);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("client failed", failures.get(0));
    }
  }

  /** Reads one response of the backend's shape (headers, then a 2-byte body). */
  private static void readResponse(InputStream in, byte[] buf) throws IOException {
    int got = 0;
    int headEnd = -1;
    int length = -1;
    while (headEnd < 0 || got < headEnd + length) {
      int n = in.read(buf, got, buf.length - got);
      if (n < 0) {
        throw new IOException("closed mid-response");
      }
      got += n;
      if (headEnd < 0) {
        String text = new String(buf, 0, got, StandardCharsets.ISO_8859_1);
        int i = text.indexOf("\r\n\r\n");
        if (i >= 0) {
          if (!text.startsWith("HTTP/1.1 200 ")) {
            throw new IOException("not a 200: " + text);
          }
          headEnd = i + 4;
          int cl = text.toLowerCase(Locale.ROOT).indexOf("content-length: ");
          length = Integer.parseInt(text.substring(cl + 16, text.indexOf('\r', cl)).trim());
        }
      }
    }
  }

  /** A minimal HTTP/1.1 backend: a fixed 200 for each request head, a thread per connection. */
  private static final class Backend implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    private final List<Socket> open = new ArrayList<>();

    Backend() throws IOException {
      Thread acceptor = new Thread(this::accept, "bench-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          s.setTcpNoDelay(true);
          synchronized (open) {
            open.add(s);
          }
          Thread t = new Thread(() -> serve(s), "bench-backend-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private static void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[8192];
        int matched = 0; // progress through "\r\n\r\n"
        int n;
        while ((n = in.read(buf)) >= 0) {
          int heads = 0;
          for (int i = 0; i < n; i++) {
            byte b = buf[i];
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
              heads++;
              matched = 0;
            }
          }
          for (int i = 0; i < heads; i++) {
            out.write(RESPONSE);
          }
          out.flush();
        }
      } catch (IOException e) {
        // the proxy closed the connection
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (open) {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }
}
