package dev.keel.proxy.tcp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.testsupport.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on tcp listeners: terminated at the listener, and spoken to instances ({@code upstream.tls}). */
class TcpTlsIntegrationTest {
  @TempDir static Path dir;
  private static EventLoopGroup loops;
  private static TestPki.Authority ca;
  private static TestPki.Leaf proxyCert;
  private static TestPki.Leaf backendCert;

  @BeforeAll
  static void start() {
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ca = new TestPki(dir).authority("ca");
    proxyCert = ca.issue("proxy", "IP:127.0.0.1");
    backendCert = ca.issue("backend", "IP:127.0.0.1");
  }

  @AfterAll
  static void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static String roundTrip(Socket s, String line) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write((line + "\n").getBytes(US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder got = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      got.append((char) c);
    }
    return got.toString();
  }

  @Test
  void terminatesTlsAndRelaysThePlaintext() throws Exception {
    String uri = "memory://tcp-tls-" + UUID.randomUUID();
    try (RegistryClient registry = Registries.open(uri); EchoBackend echo = new EchoBackend("e", loops, false);
        ProxyFixture p = ProxyFixture.of(uri, "    protocol: tcp\n    tls: { cert: " + proxyCert.cert() + ", key: " + proxyCert.key() + " }\n")) {
      echo.register(registry, "demo");
      try (SSLSocket s = (SSLSocket) TestPki.clientContext(ca, null).getSocketFactory().createSocket("127.0.0.1", p.address().getPort())) {
        s.setSoTimeout(10_000);
        assertThat(roundTrip(s, "hello over tls")).isEqualTo("hello over tls");
        assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
      }
    }
  }

  @Test
  void aClientThatDoesNotSpeakTlsNeverReachesAnInstance() throws Exception {
    String uri = "memory://tcp-tls-" + UUID.randomUUID();
    try (RegistryClient registry = Registries.open(uri); EchoBackend echo = new EchoBackend("e", loops, false);
        ProxyFixture p = ProxyFixture.of(uri, "    protocol: tcp\n    tls: { cert: " + proxyCert.cert() + ", key: " + proxyCert.key() + " }\n")) {
      echo.register(registry, "demo");
      try (Socket s = new Socket("127.0.0.1", p.address().getPort())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("PLAIN TEXT\n".getBytes(US_ASCII));
        s.getOutputStream().flush();
        assertThat(s.getInputStream().readAllBytes()).as("bytes other than TLS alerts").doesNotContain((byte) 'P');
      }
      assertThat(echo.accepted.get()).as("upstream connections").isZero();
    }
  }

  @Test
  void speaksTlsToInstancesVerifyingTheirCertificates() throws Exception {
    String uri = "memory://tcp-tls-" + UUID.randomUUID();
    try (RegistryClient registry = Registries.open(uri);
        SSLServerSocket backend = (SSLServerSocket) TestPki.serverContext(backendCert, null).getServerSocketFactory()
            .createServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress())) {
      Thread echo = new Thread(() -> {
        try (Socket c = backend.accept()) {
          c.getInputStream().transferTo(c.getOutputStream());
        } catch (IOException e) {
          // the test ends the connection
        }
      }, "tls-echo");
      echo.setDaemon(true);
      echo.start();
      registry.register(ServiceInstance.builder().service("demo").host("127.0.0.1").port(backend.getLocalPort()).build());
      try (ProxyFixture p = ProxyFixture.of(uri, "    protocol: tcp\n    upstream: { tls: true, ca: " + ca.cert() + " }\n");
          Socket s = new Socket("127.0.0.1", p.address().getPort())) {
        s.setSoTimeout(10_000);
        assertThat(roundTrip(s, "plain to the proxy, tls beyond")).isEqualTo("plain to the proxy, tls beyond");
      }
    }
  }

  @Test
  void aHandshakeTheProxyRefusesIsAConnectFailureAndTheConnectionGoesToAnotherInstance() throws Exception {
    String uri = "memory://tcp-tls-" + UUID.randomUUID();
    TestPki.Leaf elsewhere = ca.issue("elsewhere", "DNS:elsewhere.internal"); // not the address it is registered at
    try (RegistryClient registry = Registries.open(uri);
        SSLServerSocket good = echoServer(backendCert); SSLServerSocket refused = echoServer(elsewhere)) {
      registry.register(ServiceInstance.builder().service("demo").id("good").host("127.0.0.1").port(good.getLocalPort()).build());
      registry.register(ServiceInstance.builder().service("demo").id("refused").host("127.0.0.1").port(refused.getLocalPort()).build());
      try (ProxyFixture p = ProxyFixture.of(uri, "    protocol: tcp\n    retries: { attempts: 1 }\n"
          + "    upstream: { tls: true, ca: " + ca.cert() + " }\n")) {
        java.util.List<Socket> held = new java.util.ArrayList<>();
        try {
          // Held open, so that least-connections places some of them on the refused instance first.
          for (int i = 0; i < 4; i++) {
            Socket s = new Socket("127.0.0.1", p.address().getPort());
            held.add(s);
            s.setSoTimeout(10_000);
            assertThat(roundTrip(s, "connection " + i)).as("connection %d", i).isEqualTo("connection " + i);
          }
        } finally {
          for (Socket s : held) {
            s.close();
          }
        }
        long failures = p.picker().backends().stream()
            .filter(b -> b.id().equals("refused")).mapToLong(b -> b.failures()).sum();
        assertThat(failures).as("the refused handshakes are charged to that instance").isPositive();
      }
    }
  }

  /** A TLS echo server presenting {@code leaf}, a thread per connection. */
  private static SSLServerSocket echoServer(TestPki.Leaf leaf) throws Exception {
    SSLServerSocket server = (SSLServerSocket) TestPki.serverContext(leaf, null).getServerSocketFactory()
        .createServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket c = server.accept();
          Thread t = new Thread(() -> {
            try (c) {
              c.getInputStream().transferTo(c.getOutputStream());
            } catch (IOException e) {
              // a refused handshake, or the test ending the connection
            }
          }, "tls-echo-connection");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }, "tls-echo-accept");
    accept.setDaemon(true);
    accept.start();
    return server;
  }
}
