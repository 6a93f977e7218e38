package dev.keel.testsupport;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;

/**
 * A free loopback port for a test server that stops and listens again on the same port (a rolling
 * restart). A port the kernel hands out for port 0 comes from the ephemeral range, where any
 * outgoing connection of the machine (a load generator, the proxy's own upstream connections) may
 * take it while the server is down, and the restart then fails with "Address already in use". The
 * ports here are below that range (Linux's default starts at 32768), which outgoing connections
 * never take; a port another process listens on already is skipped.
 *
 * <p>A server stopping does not free its port at once: a Java NIO listening socket registered with
 * a selector (Netty's, grpc-java's) is closed only when that selector next runs, after the close
 * has already been reported done. {@link #rebind} covers that moment.
 */
public final class RestartablePort {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;

  private RestartablePort() {}

  /** A port in [20000, 32000) free on 127.0.0.1 now. */
  public static int next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 200; i++) {
      int port = random.nextInt(LOW, HIGH);
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException inUse) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free port in [" + LOW + ", " + HIGH + ") on loopback after 200 tries");
  }

  /**
   * Runs {@code bind} (a server listening again on its old port) until it does not fail with "Address
   * already in use" (a {@link BindException}, or one wrapped once, as grpc-java wraps it), for at most
   * 10 s, and returns what it returned. Any other failure is thrown at once.
   */
  public static <T> T rebind(Callable<T> bind) {
    return Awaitility.await("the old listening socket to close").atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .ignoreExceptionsMatching(RestartablePort::addressInUse)
        .until(bind, Objects::nonNull);
  }

  private static boolean addressInUse(Throwable t) {
    return t instanceof BindException || t.getCause() instanceof BindException;
  }
}
