package dev.keel.reliability.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 keep-alive backend on a loopback port that answers every request head with
 * {@code 200 ok} (Content-Length framing) and counts its open connections, so that a test can tell
 * the proxy's upstream sockets from the rest of its file descriptors. One selector thread: the
 * proxy may open a few hundred upstream connections at once, and a thread per connection would
 * cost the test JVM more than the proxy it measures. Requests must have no body (GETs).
 */
public final class KeepAliveBackend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeepAliveBackend.class);
  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

  private final ServerSocketChannel server;
  private final Selector selector;
  private final Thread thread;
  private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);
  private volatile boolean running = true;
  /** Connections open now (accepted and not yet closed by either side). */
  public final AtomicInteger open = new AtomicInteger();
  public final AtomicLong requests = new AtomicLong();

  /** Per connection: how much of {@link #END_OF_HEAD} the bytes read so far end with, and unsent bytes. */
  private static final class Conn {
    int matched;
    ByteBuffer pending;
  }

  private KeepAliveBackend() throws IOException {
    selector = Selector.open();
    server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    thread = new Thread(this::loop, "keep-alive-backend");
    thread.setDaemon(true);
    thread.start();
  }

  public static KeepAliveBackend start() throws IOException {
    return new KeepAliveBackend();
  }

  public int port() {
    return server.socket().getLocalPort();
  }

  private void loop() {
    try {
      while (running) {
        selector.select(200);
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            serve(key);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        log.error("backend selector loop failed", e);
      }
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ, new Conn());
      open.incrementAndGet();
    }
  }

  private void serve(SelectionKey key) {
    SocketChannel ch = (SocketChannel) key.channel();
    Conn c = (Conn) key.attachment();
    try {
      if (key.isWritable()) {
        flush(key, c);
      }
      if (key.isValid() && key.isReadable()) {
        readBuffer.clear();
        int n = ch.read(readBuffer);
        if (n < 0) {
          closeQuietly(key);
          return;
        }
        int heads = 0;
        for (int i = 0; i < n; i++) {
          byte b = readBuffer.get(i);
          c.matched = b == END_OF_HEAD[c.matched] ? c.matched + 1 : (b == '\r' ? 1 : 0);
          if (c.matched == END_OF_HEAD.length) {
            heads++;
            c.matched = 0;
          }
        }
        if (heads > 0) {
          requests.addAndGet(heads);
          ByteBuffer out = ByteBuffer.allocate(RESPONSE.length * heads + (c.pending == null ? 0 : c.pending.remaining()));
          if (c.pending != null) {
            out.put(c.pending);
          }
          for (int i = 0; i < heads; i++) {
            out.put(RESPONSE);
          }
          out.flip();
          c.pending = out;
          flush(key, c);
        }
      }
    } catch (IOException e) {
      closeQuietly(key);
    }
  }

  private static void flush(SelectionKey key, Conn c) throws IOException {
    if (c.pending == null) {
      return;
    }
    ((SocketChannel) key.channel()).write(c.pending);
    if (c.pending.hasRemaining()) {
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    } else {
      c.pending = null;
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  private void closeQuietly(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException ignored) {
      // already gone: nothing left to release
    }
    open.decrementAndGet();
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // still close the sockets below
    }
    try {
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
      selector.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
