package dev.keel.benchmarks.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * N echo servers on 127.0.0.1 served by one selector thread, each able to go down (stop listening,
 * close its connections, as a stopped process would) and come back on the same port. Counts the
 * open connections per backend. Methods other than {@link #run()} may be called from any thread.
 */
final class NioEchoBackends implements Runnable, AutoCloseable {
  private final Selector selector;
  private final int[] ports;
  private final ServerSocketChannel[] servers;
  private final List<Set<SocketChannel>> open;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
  private final Thread thread;
  private volatile boolean stopped;

  NioEchoBackends(int n) throws IOException {
    selector = Selector.open();
    ports = new int[n];
    servers = new ServerSocketChannel[n];
    open = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      open.add(new HashSet<>());
      listen(i);
      ports[i] = ((InetSocketAddress) servers[i].getLocalAddress()).getPort();
    }
    thread = new Thread(this, "echo-backends");
    thread.setDaemon(true);
    thread.start();
  }

  int port(int i) {
    return ports[i];
  }

  int size() {
    return ports.length;
  }

  private void listen(int i) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    s.bind(new InetSocketAddress("127.0.0.1", ports[i]), 1024);
    s.configureBlocking(false);
    servers[i] = s;
    s.register(selector, SelectionKey.OP_ACCEPT, i);
  }

  /** Open connections per backend, as counted by the backends themselves. */
  int[] counts() throws InterruptedException {
    int[] out = new int[ports.length];
    onLoop(() -> {
      for (int i = 0; i < ports.length; i++) {
        out[i] = open.get(i).size();
      }
    });
    return out;
  }

  /** Stops listening and closes every connection of backend {@code i}. */
  void down(int i) throws InterruptedException {
    onLoop(() -> {
      try {
        servers[i].close();
        for (SocketChannel c : open.get(i)) {
          c.close();
        }
        open.get(i).clear();
      } catch (IOException e) {
        throw new IllegalStateException("backend " + i + ": " + e, e);
      }
    });
  }

  /** Listens again on backend {@code i}'s port. */
  void up(int i) throws InterruptedException {
    onLoop(() -> {
      try {
        listen(i);
      } catch (IOException e) {
        throw new IllegalStateException("backend " + i + " on port " + ports[i] + ": " + e, e);
      }
    });
  }

  private void onLoop(Runnable r) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    RuntimeException[] failure = new RuntimeException[1];
    tasks.add(() -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        failure[0] = e;
      } finally {
        done.countDown();
      }
    });
    selector.wakeup();
    done.await();
    if (failure[0] != null) {
      throw failure[0];
    }
  }

  @Override
  public void run() {
    try {
      while (!stopped) {
        selector.select(100);
        for (Runnable r; (r = tasks.poll()) != null; ) {
          r.run();
        }
        for (SelectionKey k : selector.selectedKeys()) {
          if (!k.isValid()) {
            continue;
          }
          if (k.isAcceptable()) {
            accept(k);
          } else if (k.isReadable()) {
            echo(k);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      if (!stopped) {
        throw new IllegalStateException("echo backends: " + e, e);
      }
    }
  }

  private void accept(SelectionKey k) throws IOException {
    int i = (Integer) k.attachment();
    SocketChannel c;
    while ((c = ((ServerSocketChannel) k.channel()).accept()) != null) {
      c.configureBlocking(false);
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.register(selector, SelectionKey.OP_READ, i);
      open.get(i).add(c);
    }
  }

  /** Requests are small and answered at once; a full send buffer would only stall this backend. */
  private void echo(SelectionKey k) {
    SocketChannel c = (SocketChannel) k.channel();
    int i = (Integer) k.attachment();
    try {
      buf.clear();
      int n = c.read(buf);
      if (n < 0) {
        open.get(i).remove(c);
        c.close();
        return;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        c.write(buf);
      }
    } catch (IOException e) {
      open.get(i).remove(c);
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    stopped = true;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<java.io.Closeable> all = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) {
      all.add(servers[i]);
      all.addAll(open.get(i));
    }
    for (java.io.Closeable c : all) {
      c.close();
    }
    selector.close();
  }
}
