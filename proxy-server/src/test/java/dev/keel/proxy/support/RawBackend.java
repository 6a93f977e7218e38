package dev.keel.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback backend that records every byte each connection sends it, for checks no real server
 * exposes (what exactly reached the instance: trailers, bytes of a refused request). It answers
 * {@code 200 ok} to each complete request (a head without body, one with a Content-Length body, or
 * a chunked body up to its trailer section) and keeps the connection open.
 */
public final class RawBackend implements AutoCloseable {
  private static final byte[] OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  /** What each accepted connection sent, in order of acceptance. */
  public final List<ByteArrayOutputStream> received = new CopyOnWriteArrayList<>();
  private final java.util.Map<ByteArrayOutputStream, Integer> marks = new java.util.concurrent.ConcurrentHashMap<>();

  public RawBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::accept);
  }

  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** Forgets what was received so far (connections stay open, as pooled ones do). */
  public void forget() {
    for (ByteArrayOutputStream b : received) {
      synchronized (b) {
        marks.put(b, b.size());
      }
    }
  }

  /** Everything every connection sent since the last {@link #forget()}, concatenated. */
  public String all() {
    StringBuilder s = new StringBuilder();
    for (ByteArrayOutputStream b : received) {
      synchronized (b) {
        s.append(b.toString(StandardCharsets.ISO_8859_1).substring(marks.getOrDefault(b, 0)));
      }
    }
    return s.toString();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        received.add(got);
        pool.execute(() -> serve(s, got));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket s, ByteArrayOutputStream got) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] b = new byte[8192];
      int answeredUpTo = 0;
      int n;
      while ((n = in.read(b)) >= 0) {
        String text;
        synchronized (got) {
          got.write(b, 0, n);
          text = got.toString(StandardCharsets.ISO_8859_1);
        }
        int end;
        while ((end = requestEnd(text, answeredUpTo)) > 0) {
          answeredUpTo = end;
          out.write(OK);
          out.flush();
        }
      }
    } catch (IOException e) {
      // the proxy closed or reset the connection: what arrived is recorded
    }
  }

  /** The index just past the request that starts at {@code from}, or -1 while it is incomplete. */
  static int requestEnd(String text, int from) {
    int headEnd = text.indexOf("\r\n\r\n", from);
    if (headEnd < 0) {
      return -1;
    }
    String head = text.substring(from, headEnd).toLowerCase(Locale.ROOT);
    int bodyStart = headEnd + 4;
    if (head.contains("\r\ntransfer-encoding: chunked")) {
      int p = bodyStart;
      while (true) {
        int lf = text.indexOf("\r\n", p);
        if (lf < 0) {
          return -1;
        }
        int size = Integer.parseInt(text.substring(p, lf).split(";")[0].trim(), 16);
        if (size == 0) {
          int trailersEnd = text.indexOf("\r\n\r\n", lf - 2);
          return trailersEnd < 0 ? -1 : trailersEnd + 4;
        }
        p = lf + 2 + size + 2;
        if (p > text.length()) {
          return -1;
        }
      }
    }
    int cl = head.indexOf("\r\ncontent-length:");
    if (cl >= 0) {
      int eol = head.indexOf("\r\n", cl + 2);
      long length = Long.parseLong(head.substring(cl + 17, eol < 0 ? head.length() : eol).trim());
      return text.length() - bodyStart >= length ? (int) (bodyStart + length) : -1;
    }
    return bodyStart;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
