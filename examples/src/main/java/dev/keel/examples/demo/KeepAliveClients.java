package dev.keel.examples.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A fixed pool of long-lived keep-alive connections through the proxy's tcp listener, each sending
 * a GET every {@link #PERIOD_MILLIS} on the same connection for as long as the proxy keeps it.
 * When the proxy sheds a connection to rebalance (it closes it at a quiet moment), the client
 * sees the close before any byte of the next answer, reconnects and resends, as keep-alive HTTP
 * clients do: that counts as a reconnect, not an error. A connection cut mid-answer is an error.
 */
final class KeepAliveClients implements AutoCloseable {
  static final long PERIOD_MILLIS = 200;
  private static final byte[] REQUEST = "GET /long HTTP/1.1\r\nHost: keel-demo\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final InetSocketAddress target;
  private final int connections;
  private final Tally tally;
  private final Supplier<Script.Phase> phase;
  private final LongAdder reconnects = new LongAdder();
  private final List<Thread> workers = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean running;

  KeepAliveClients(InetSocketAddress target, int connections, Tally tally, Supplier<Script.Phase> phase) {
    this.target = target;
    this.connections = connections;
    this.tally = tally;
    this.phase = phase;
  }

  synchronized void start() {
    running = true;
    for (int i = 0; i < connections; i++) {
      Thread t = new Thread(this::loop, "demo-long-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
  }

  long reconnects() {
    return reconnects.sum();
  }

  private void loop() {
    Socket socket = null;
    try {
      while (running) {
        if (socket == null) {
          socket = connect();
          if (socket == null) {
            return;
          }
        }
        Script.Phase sentIn = phase.get();
        String answer;
        try {
          answer = exchange(socket);
        } catch (ClosedBeforeAnswer closed) {
          // closed by the proxy (a shed, or its backend went away) while idle: reconnect, resend
          close(socket);
          socket = null;
          if (running) {
            reconnects.increment();
          }
          continue;
        } catch (IOException e) {
          if (running) {
            tally.failed("long connection: " + e.getMessage());
          }
          close(socket);
          socket = null;
          continue;
        }
        tally.answered(answer, sentIn);
        Thread.sleep(PERIOD_MILLIS);
      }
    } catch (InterruptedException e) {
      // stopping
    } finally {
      if (socket != null) {
        close(socket);
      }
    }
  }

  /** A connected socket, or null once stopped. */
  private @Nullable Socket connect() throws InterruptedException {
    while (running) {
      Socket s = new Socket();
      try {
        s.connect(target, 2000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        synchronized (this) {
          sockets.add(s);
        }
        return s;
      } catch (IOException e) {
        close(s);
        if (running) {
          tally.failed("long connection: connect: " + e.getMessage());
        }
        Thread.sleep(PERIOD_MILLIS);
      }
    }
    return null;
  }

  /** Sends one request and reads its answer; EOF or reset before the first byte of the answer is thrown as such. */
  private static String exchange(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    int first;
    try {
      OutputStream out = s.getOutputStream();
      out.write(REQUEST);
      out.flush();
      first = in.read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      throw new ClosedBeforeAnswer();
    }
    if (first < 0) {
      throw new ClosedBeforeAnswer();
    }
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(first);
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("cut in the middle of an answer");
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    if (!headers.startsWith("HTTP/1.1 200")) {
      throw new IOException("answer: " + headers.lines().findFirst().orElse(""));
    }
    int length = contentLength(headers);
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new IOException("cut in the middle of an answer");
    }
    return new String(body, StandardCharsets.US_ASCII).trim();
  }

  /** The connection was closed (or reset) before any byte of the answer. */
  private static final class ClosedBeforeAnswer extends IOException {
    private static final long serialVersionUID = 1L;

    ClosedBeforeAnswer() {
      super("closed before the answer");
    }
  }

  private static int contentLength(String headers) throws IOException {
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(15).trim());
      }
    }
    throw new IOException("answer without Content-Length");
  }

  private synchronized void close(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    List<Thread> threads;
    synchronized (this) {
      running = false;
      threads = new ArrayList<>(workers);
      workers.clear();
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(6));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
