package dev.keel.reliability.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The bits of HTTP/1.1 the socket-level test backends ({@link SlowBackend}, {@link KillableBackend})
 * share. They stay on plain sockets rather than an HTTP server library so that a test controls
 * exactly when bytes go out, and can reset or stall a connection at any point.
 */
final class LoopbackHttp {
  private LoopbackHttp() {}

  /** A request's line and the headers the backends look at; its body has already been skipped. */
  record Request(String method, String path, boolean close, Map<String, String> headers) {
    /** The value of header {@code name} (lower case), or {@code ""}. */
    String header(String name) {
      return headers.getOrDefault(name, "");
    }
  }

  /**
   * Accepts connections on {@code server} in a daemon thread until it is closed; each connection is
   * added to {@code sockets} and served by {@code serve} in a daemon thread of its own.
   */
  static Thread acceptInBackground(ServerSocket server, String name, Set<Socket> sockets, Consumer<Socket> serve) {
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket c = server.accept();
          sockets.add(c);
          Thread h = new Thread(() -> serve.accept(c), name + "-conn");
          h.setDaemon(true);
          h.start();
        } catch (IOException e) {
          return;
        }
      }
    }, name + "-accept");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The next request on a keep-alive connection, its body skipped; null once the peer is done. */
  static Request read(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null || line.isEmpty()) {
      return null;
    }
    String[] parts = line.split(" ");
    String path = parts.length > 1 ? parts[1] : "/";
    long length = 0;
    boolean close = false;
    Map<String, String> headers = new HashMap<>();
    for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
      int colon = h.indexOf(':');
      String key = h.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (key) {
        case "content-length" -> length = Long.parseLong(value);
        case "connection" -> close = value.equalsIgnoreCase("close");
        default -> headers.put(key, value);
      }
    }
    in.skipNBytes(length);
    return new Request(parts[0], path, close, headers);
  }

  /**
   * Answers {@code status} with the backend's name as body and {@code X-Backend} header, in a single
   * write so that a kill or a close never falls between the head and the body.
   */
  static void answer(OutputStream out, int status, String backend, boolean close) throws IOException {
    byte[] head = head(status, backend, close);
    byte[] body = backend.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    out.write(all);
    out.flush();
  }

  /**
   * Answers like {@link #answer} but sends the head at once and the body {@code pauseMillis} later,
   * so that a kill in between leaves the peer with a head and a body cut short.
   */
  static void answerHeadFirst(OutputStream out, int status, String backend, boolean close, long pauseMillis)
      throws IOException, InterruptedException {
    out.write(head(status, backend, close));
    out.flush();
    Thread.sleep(pauseMillis); // the slow body is the behaviour: a kill can fall between head and body
    out.write(backend.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static byte[] head(int status, String backend, boolean close) {
    int length = backend.getBytes(StandardCharsets.UTF_8).length;
    return ("HTTP/1.1 " + status + (status == 200 ? " OK" : " Unavailable")
        + "\r\nContent-Type: text/plain\r\nX-Backend: " + backend + "\r\nContent-Length: " + length + "\r\n"
        + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) b);
    }
    return sb.length() == 0 ? null : sb.toString();
  }
}
