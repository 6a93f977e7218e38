package dev.keel.benchmarks.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Long-lived client connections on one selector thread: each sends a 32-byte request, waits for
 * its echo, thinks a random while and repeats; when the connection closes it reconnects after a
 * random delay. Counters are read from any thread.
 */
final class NioClients implements Runnable, AutoCloseable {
  private static final int REQUEST = 32;

  final AtomicInteger connected = new AtomicInteger();
  final AtomicLong closes = new AtomicLong();
  final AtomicLong cutMidRequest = new AtomicLong();
  final AtomicLong responses = new AtomicLong();
  final AtomicLong connectFailures = new AtomicLong();
  private final InetSocketAddress target;
  private final int count;
  private final int thinkMinMs;
  private final int thinkMaxMs;
  private final Selector selector;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final ByteBuffer request = ByteBuffer.allocateDirect(REQUEST);
  private final ByteBuffer readBuf = ByteBuffer.allocateDirect(4096);
  private final Thread thread;
  private volatile boolean stopped;

  NioClients(InetSocketAddress target, int count, int thinkMinMs, int thinkMaxMs) throws IOException {
    this.target = target;
    this.count = count;
    this.thinkMinMs = thinkMinMs;
    this.thinkMaxMs = thinkMaxMs;
    this.selector = Selector.open();
    this.thread = new Thread(this, "clients");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private record Timer(long at, Conn conn, boolean reconnect, int gen) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return Long.compare(at, o.at);
    }
  }

  private static final class Conn {
    @Nullable SocketChannel ch; // null until the first connect
    int expecting;
    int gen; // bumped per connection attempt: timers of an earlier connection are ignored
  }

  @Override
  public void run() {
    try {
      for (int i = 0; i < count; i++) {
        connect(new Conn());
      }
      while (!stopped) {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && t.at <= now) {
          timers.poll();
          if (t.gen != t.conn.gen) {
            continue;
          }
          if (t.reconnect) {
            connect(t.conn);
          } else {
            send(t.conn);
          }
        }
        long waitMs = timers.isEmpty() ? 100 : Math.max(1, (timers.peek().at - now) / 1_000_000);
        selector.select(Math.min(100, waitMs));
        for (SelectionKey k : selector.selectedKeys()) {
          Conn c = (Conn) k.attachment();
          if (!k.isValid()) {
            continue;
          }
          if (k.isConnectable()) {
            finishConnect(k, c);
          } else if (k.isReadable()) {
            read(c);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      if (!stopped) {
        throw new IllegalStateException("clients: " + e, e);
      }
    }
  }

  private void connect(Conn c) {
    try {
      c.gen++;
      SocketChannel ch = SocketChannel.open();
      c.ch = ch;
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.expecting = 0;
      if (ch.connect(target)) {
        ch.register(selector, SelectionKey.OP_READ, c);
        connected(c);
      } else {
        ch.register(selector, SelectionKey.OP_CONNECT, c);
      }
    } catch (IOException e) {
      connectFailures.incrementAndGet();
      closeQuietly(c);
      later(c, true);
    }
  }

  private void finishConnect(SelectionKey k, Conn c) {
    try {
      ((SocketChannel) k.channel()).finishConnect();
      k.interestOps(SelectionKey.OP_READ);
      connected(c);
    } catch (IOException e) {
      connectFailures.incrementAndGet();
      closeQuietly(c);
      later(c, true);
    }
  }

  private void connected(Conn c) {
    connected.incrementAndGet();
    later(c, false);
  }

  private void later(Conn c, boolean reconnect) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long delayMs = reconnect ? r.nextInt(20, 200) : r.nextInt(thinkMinMs, thinkMaxMs);
    timers.add(new Timer(System.nanoTime() + delayMs * 1_000_000, c, reconnect, c.gen));
  }

  private void send(Conn c) {
    SocketChannel ch = c.ch;
    if (ch == null || !ch.isOpen()) {
      return;
    }
    try {
      request.clear();
      while (request.hasRemaining()) {
        ch.write(request);
      }
      c.expecting = REQUEST;
    } catch (IOException e) {
      lost(c);
    }
  }

  private void read(Conn c) {
    SocketChannel ch = c.ch;
    if (ch == null) {
      return;
    }
    try {
      readBuf.clear();
      int n = ch.read(readBuf);
      if (n < 0) {
        lost(c);
        return;
      }
      c.expecting -= n;
      if (c.expecting <= 0 && n > 0) {
        c.expecting = 0;
        responses.incrementAndGet();
        later(c, false);
      }
    } catch (IOException e) {
      lost(c);
    }
  }

  private void lost(Conn c) {
    if (c.expecting > 0) {
      cutMidRequest.incrementAndGet();
    }
    closes.incrementAndGet();
    connected.decrementAndGet();
    closeQuietly(c);
    later(c, true);
  }

  private static void closeQuietly(Conn c) {
    try {
      SocketChannel ch = c.ch;
      if (ch != null) {
        ch.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    stopped = true;
    selector.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey k : selector.keys()) {
      k.channel().close();
    }
    selector.close();
  }
}
