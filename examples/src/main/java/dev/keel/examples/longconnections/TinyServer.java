package dev.keel.examples.longconnections;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP server on a free loopback port that accepts connections and holds them until the peer
 * closes; it counts the connections it holds. One daemon thread per connection: fine for tens.
 */
final class TinyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TinyServer.class);

  private final String name;
  private final ServerSocket socket;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  TinyServer(String name) throws IOException {
    this.name = name;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tiny-server-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String name() {
    return name;
  }

  int port() {
    return socket.getLocalPort();
  }

  /** Connections this server holds open right now. */
  int connections() {
    return open.size();
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.add(s);
        Thread reader = new Thread(() -> hold(s), "tiny-server-" + name + "-conn");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        if (!socket.isClosed()) {
          LOG.warn("{}: accept failed: {}", name, e.toString());
        }
      }
    }
  }

  private void hold(Socket s) {
    try (s; InputStream in = s.getInputStream()) {
      while (in.read() >= 0) {
        // discard: the client sends nothing; read() returns -1 when it closes
      }
    } catch (IOException e) {
      // the connection ended
    } finally {
      open.remove(s);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
