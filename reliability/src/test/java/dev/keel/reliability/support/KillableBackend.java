package dev.keel.reliability.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal HTTP/1.1 keep-alive backend on a loopback port, over plain sockets so that it can die
 * like {@code kill -9}: {@link #kill()} closes the server socket and every connection with
 * SO_LINGER 0, so peers get a RST. Answers every request with its name, at once, or for
 * {@code /work} with the head at once and the body 20 ms later (a kill then cuts bodies short); POSTs are counted per {@code X-Req-Id}, and with {@link #holdPosts} {@code POST /hold}
 * is never answered while alive.
 */
public final class KillableBackend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KillableBackend.class);
  private final String name;
  private final int port;
  private volatile ServerSocket server;
  /** The thread accepting on {@link #server}; the port is free once it has left accept(). */
  private volatile Thread acceptor;
  private volatile CountDownLatch death = new CountDownLatch(1);
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  public final AtomicInteger requests = new AtomicInteger();
  /** Whether {@code POST /hold} is held until the kill (else answered like any request). */
  public volatile boolean holdPosts;
  /** Arrivals of each POST by its {@code X-Req-Id}. */
  public final Map<String, AtomicInteger> postArrivals = new ConcurrentHashMap<>();

  private KillableBackend(String name, int port) throws IOException {
    this.name = name;
    this.server = bind(port);
    this.port = server.getLocalPort();
    acceptor = accept(server);
  }

  public static KillableBackend start(String name) throws IOException {
    return new KillableBackend(name, 0);
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    return s;
  }

  private Thread accept(ServerSocket s) {
    return LoopbackHttp.acceptInBackground(s, name, sockets, this::serve);
  }

  private void serve(Socket c) {
    // A connection accepted while kill() ran can miss its sweep of the sockets: it must die with
    // the life it was accepted in, or a keep-alive client goes on being answered by a "dead" backend.
    CountDownLatch life = death;
    try (c; InputStream in = new BufferedInputStream(c.getInputStream()); OutputStream out = c.getOutputStream()) {
      c.setTcpNoDelay(true); // the body's write goes at once, not after the head's ACK
      for (LoopbackHttp.Request r = LoopbackHttp.read(in); r != null; r = LoopbackHttp.read(in)) {
        if (life.getCount() == 0) {
          c.setSoLinger(true, 0);
          return;
        }
        if (r.method().equals("POST")) {
          postArrivals.computeIfAbsent(r.header("x-req-id"), k -> new AtomicInteger()).incrementAndGet();
          if (r.path().startsWith("/hold") && holdPosts) {
            death.await(); // never answered: the kill resets the connection
            return;
          }
        } else {
          requests.incrementAndGet();
        }
        if (r.path().startsWith("/work")) {
          LoopbackHttp.answerHeadFirst(out, 200, name, r.close(), 20); // a kill mostly cuts a body
        } else {
          LoopbackHttp.answer(out, 200, name, r.close());
        }
        if (r.close()) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the peer or a kill ended the connection
    } finally {
      sockets.remove(c);
    }
  }

  /** Dies abruptly: listening socket closed, every connection reset (SO_LINGER 0). */
  public synchronized void kill() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : sockets) {
      try {
        s.setSoLinger(true, 0);
        s.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
    sockets.clear();
    death.countDown();
    // The JDK closes a listening socket's descriptor only once the thread blocked in accept() on
    // it has woken up: until then the port is taken, and restart() could not bind it.
    try {
      acceptor.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("backend {} killed (port {})", name, port);
  }

  /** Listens again on the same port. */
  public synchronized void restart() throws IOException {
    death = new CountDownLatch(1);
    server = bind(port);
    acceptor = accept(server);
    log.info("backend {} restarted (port {})", name, port);
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  public int postsSeen(String reqId) {
    AtomicInteger n = postArrivals.get(reqId);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    kill();
  }
}
