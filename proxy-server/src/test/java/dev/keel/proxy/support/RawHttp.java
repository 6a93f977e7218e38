package dev.keel.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw bytes over a socket, for requests no HTTP client would send. */
public final class RawHttp implements AutoCloseable {
  private final Socket socket;

  public RawHttp(InetSocketAddress at) throws IOException {
    socket = new Socket();
    socket.connect(at, 5000);
    socket.setSoTimeout(10_000);
  }

  public RawHttp send(String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /**
   * Reads into {@code got} until the peer closes or resets (true), or nothing comes within the
   * socket's read timeout (false).
   */
  public static boolean readUntilClosed(InputStream in, ByteArrayOutputStream got) {
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = in.read(b)) >= 0) {
        got.write(b, 0, n);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  /** Everything until the peer closes (or 10 s pass). */
  public String readAll() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = in.read(b)) >= 0) {
        buf.write(b, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // return what came
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until {@code marker} has been seen; returns all read so far. */
  public String readUntil(String marker) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    while (!buf.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      buf.write(c);
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** The status code of a response text. */
  public static int status(String response) {
    if (!response.startsWith("HTTP/1.1 ")) {
      return -1;
    }
    return Integer.parseInt(response.substring(9, 12));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
