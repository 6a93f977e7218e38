package dev.keel.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay in front of a server, to cut some clients off from it (a network partition,
 * a lost session) while others keep talking to it. {@link #cut()} resets every relayed connection
 * (RST, as a dead peer or a firewall does) and refuses new ones until {@link #restore()}.
 * Blocking I/O, two threads per connection: fine for a test, never for production.
 *
 * <p>Thread-safe. {@link #close()} stops listening and resets what is still relayed.
 */
public final class TcpRelay implements AutoCloseable {
  private final int targetPort;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Socket> upstream = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  /** A relay on a free loopback port to {@code 127.0.0.1:targetPort}. */
  public TcpRelay(int targetPort) throws IOException {
    this(0, targetPort);
  }

  /**
   * A relay on loopback port {@code listenPort} (0: any free one) to {@code 127.0.0.1:targetPort},
   * for clients that derive one port from another (nacos-client speaks gRPC on its port + 1000).
   */
  public TcpRelay(int listenPort, int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 50);
    Thread accept = new Thread(this::acceptLoop, "tcp-relay-" + targetPort);
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** How many client connections are relayed now. */
  public int connections() {
    return sockets.size() / 2;
  }

  /**
   * The local ports of the relay's connections to the server: what the server sees as the client
   * ports of the clients behind the relay (for {@link ZooKeeperSessions#connectedFrom}).
   */
  public Set<Integer> upstreamPorts() {
    Set<Integer> ports = new TreeSet<>();
    upstream.forEach(s -> ports.add(s.getLocalPort()));
    return ports;
  }

  /** Resets every relayed connection and refuses new ones. */
  public void cut() {
    cut = true;
    sockets.forEach(TcpRelay::reset);
    sockets.clear();
    upstream.clear();
  }

  public void restore() {
    cut = false;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        if (cut) {
          reset(in);
          continue;
        }
        Socket out;
        try {
          out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException targetDown) {
          reset(in);
          continue;
        }
        sockets.add(in);
        sockets.add(out);
        upstream.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          out.write(buf, 0, n);
        }
      } catch (IOException e) {
        // cut or closed
      } finally {
        reset(from);
        reset(to);
        sockets.remove(from);
        sockets.remove(to);
        upstream.remove(from);
        upstream.remove(to);
      }
    }, "tcp-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cut();
  }
}
