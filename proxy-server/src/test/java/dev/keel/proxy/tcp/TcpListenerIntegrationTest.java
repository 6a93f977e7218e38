package dev.keel.proxy.tcp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tcp listener's relay: half-close, idle timeout, connection limit, PROXY protocol, connect retries. */
class TcpListenerIntegrationTest {
  private static EventLoopGroup loops;
  private String uri;
  private RegistryClient registry;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void loops() {
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoops() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void registry() {
    uri = "memory://tcp-" + UUID.randomUUID();
    registry = Registries.open(uri);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    registry.close();
    System.clearProperty("keel.proxy.splice");
  }

  private EchoBackend echo(String id, boolean parseProxyProtocol) {
    EchoBackend b = new EchoBackend(id, loops, parseProxyProtocol);
    b.register(registry, "demo");
    toClose.add(b);
    return b;
  }

  private ProxyFixture proxy(String extra) {
    ProxyFixture p = ProxyFixture.of(uri, "    protocol: tcp\n" + extra);
    toClose.add(p);
    return p;
  }

  private static Socket connect(ProxyFixture p) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(10_000);
    s.connect(p.address(), 5_000);
    return s;
  }

  private static String readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(US_ASCII);
  }

  /** A backend that answers only after the client's FIN: the answer must travel back over the half-closed connection. */
  @ParameterizedTest(name = "splice={0}")
  @ValueSource(booleans = {true, false})
  void halfCloseCarriesTheAnswerAfterTheClientsFin(boolean splice) throws Exception {
    System.setProperty("keel.proxy.splice", String.valueOf(splice));
    try (ServerSocket backend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      registry.register(ServiceInstance.builder().service("demo").host("127.0.0.1").port(backend.getLocalPort()).build());
      Thread server = new Thread(() -> {
        try (Socket c = backend.accept()) {
          String got = readToEnd(c.getInputStream()); // until the FIN the proxy passed on
          c.getOutputStream().write(("got " + got.length() + " bytes: " + got).getBytes(US_ASCII));
          c.shutdownOutput();
          readToEnd(c.getInputStream());
        } catch (IOException ignored) {
          // the assertion on the client side fails then
        }
      }, "half-close-backend");
      server.start();
      ProxyFixture p = proxy("");
      try (Socket s = connect(p)) {
        s.getOutputStream().write("hello, then FIN".getBytes(US_ASCII));
        s.shutdownOutput();
        assertThat(readToEnd(s.getInputStream())).isEqualTo("got 15 bytes: hello, then FIN");
      }
      server.join(10_000);
      assertThat(server.isAlive()).isFalse();
    }
  }

  /**
   * After the client's FIN, a large answer that cannot leave in one write: the proxy has to wait for
   * EPOLLOUT on a half-closed channel, which Netty 4.2 epoll fails without
   * {@code EpollKeepRegistered} (see {@code EpollKeepRegisteredTest}). The client reads only once
   * the backend's socket is full: the proxy stopped reading upstream because its write to the
   * client is waiting (it reads the next chunk only after the last one is written).
   */
  @Test
  void largeAnswerAfterTheClientsFinArrivesWhole() throws Exception {
    byte[] answer = new byte[8 * 1024 * 1024];
    new java.util.Random(11).nextBytes(answer);
    CountDownLatch proxyWaits = new CountDownLatch(1);
    try (ServerSocketChannel backend = ServerSocketChannel.open()) {
      backend.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = ((InetSocketAddress) backend.getLocalAddress()).getPort();
      registry.register(ServiceInstance.builder().service("demo").host("127.0.0.1").port(port).build());
      Thread server = new Thread(() -> {
        try (SocketChannel c = backend.accept()) {
          readToEnd(c.socket().getInputStream());
          ByteBuffer rest = ByteBuffer.wrap(answer);
          c.configureBlocking(false);
          while (rest.hasRemaining() && c.write(rest) > 0) {
            // until the socket is full
          }
          proxyWaits.countDown();
          c.configureBlocking(true);
          while (rest.hasRemaining()) {
            c.write(rest);
          }
        } catch (IOException ignored) {
          // the comparison on the client side fails then
        }
      }, "large-answer-backend");
      server.start();
      ProxyFixture p = proxy("");
      try (Socket s = connect(p)) {
        s.getOutputStream().write("send it".getBytes(US_ASCII));
        s.shutdownOutput();
        assertThat(proxyWaits.await(10, TimeUnit.SECONDS)).as("the backend filled its socket").isTrue();
        assertThat(s.getInputStream().readAllBytes()).isEqualTo(answer);
      }
      server.join(10_000);
    }
  }

  /**
   * 4 MiB each way, then FIN. Buffered relay only: with splicing, Netty 4.2 drops what is still
   * queued when the FIN is seen (see {@link TcpListenerKind}), which this test shows when run with
   * splice=true.
   */
  @Test
  void relaysManyBytesBothWaysAndFinAfterThem() throws Exception {
    echo("e1", false);
    ProxyFixture p = proxy("");
    byte[] payload = new byte[4 * 1024 * 1024];
    new java.util.Random(7).nextBytes(payload);
    try (Socket s = connect(p)) {
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(payload);
          s.shutdownOutput();
        } catch (IOException ignored) {
          // the comparison below fails then
        }
      }, "bulk-writer");
      writer.start();
      byte[] back = s.getInputStream().readAllBytes();
      writer.join(10_000);
      assertThat(back).hasSize(payload.length).isEqualTo(payload);
    }
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    echo("e1", false);
    // Long enough that the echo (a fresh backend connection, on a loaded machine) always beats it.
    ProxyFixture p = proxy("    timeouts: { idle: 1s }\n");
    try (Socket s = connect(p)) {
      assertThat(EchoBackend.roundTrip(s, "ping")).isEqualTo("ping");
      assertThat(s.getInputStream().read()).as("EOF after the idle timeout").isEqualTo(-1);
    }
    assertThat(spread(p).tcpStats().idleTimeouts()).isEqualTo(1);
  }

  @Test
  void connectionsAboveTheLimitAreRefused() throws Exception {
    echo("e1", false);
    ProxyFixture p = proxy("    max-connections: 2\n");
    try (Socket a = connect(p); Socket b = connect(p)) {
      assertThat(EchoBackend.roundTrip(a, "a")).isEqualTo("a");
      assertThat(EchoBackend.roundTrip(b, "b")).isEqualTo("b");
      try (Socket c = connect(p)) {
        assertThat(c.getInputStream().read()).as("the third connection is closed at once").isEqualTo(-1);
      }
      assertThat(spread(p).tcpStats().rejected()).isEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> spread(p).tcpStats().open() == 0);
    try (Socket d = connect(p)) {
      assertThat(EchoBackend.roundTrip(d, "d")).isEqualTo("d");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1", "v2"})
  void proxyProtocolHeaderTellsTheBackendWhoTheClientIs(String version) throws Exception {
    EchoBackend b = echo("pp", true);
    ProxyFixture p = proxy("    proxy-protocol: " + version + "\n");
    try (Socket s = connect(p)) {
      assertThat(EchoBackend.roundTrip(s, "after the header")).isEqualTo("after the header");
      assertThat(b.proxyHeaders).containsExactly(version.toUpperCase(Locale.ROOT) + " TCP4 127.0.0.1:" + s.getLocalPort()
          + " -> 127.0.0.1:" + p.address().getPort());
    }
  }

  @Test
  void connectFailuresAreRetriedElsewhereAndReachTheBalancer() throws Exception {
    int deadPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = free.getLocalPort();
    }
    registry.register(ServiceInstance.builder().service("demo").id("dead").host("127.0.0.1").port(deadPort).build());
    EchoBackend live = echo("live", false);
    ProxyFixture p = proxy("    retries: { attempts: 2 }\n    health: { passive: { consecutive-failures: 3, ejection: 30s } }\n");
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        Socket s = connect(p);
        open.add(s);
        assertThat(EchoBackend.roundTrip(s, "n" + i)).isEqualTo("n" + i);
      }
      assertThat(live.open.get()).isEqualTo(8);
      assertThat(spread(p).tcpStats().connectFailures()).isGreaterThanOrEqualTo(1);
      assertThat(spread(p).tcpStats().retries()).isEqualTo(spread(p).tcpStats().connectFailures());
      // Three failures in a row eject the dead instance: the outcomes reached the balancer.
      await().atMost(Duration.ofSeconds(10)).until(() -> spread(p).shares().stream()
          .anyMatch(s -> s.id().equals("dead") && !s.available()));
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  private static ConnectionSpread spread(ProxyFixture p) {
    return (ConnectionSpread) p.server.listeners().get(0);
  }
}
