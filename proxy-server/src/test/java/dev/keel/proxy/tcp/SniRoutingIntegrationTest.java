package dev.keel.proxy.tcp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.testsupport.TestPki;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One TLS port of a tcp listener carrying several services, chosen by the server name (SNI) each
 * client asked for: an exact name to a fixed service, a wildcard to the service its first label
 * names; a name no route takes never reaches an instance. (A server name is a DNS name: the JDK
 * refuses anything else on both sides, so a name a route would refuse as a service name cannot be
 * sent; {@code ServiceTemplateTest} covers the rule.)
 */
class SniRoutingIntegrationTest {
  @TempDir static Path dir;
  private static EventLoopGroup loops;
  private static TestPki.Authority ca;
  private static TestPki.Leaf proxyCert;

  @BeforeAll
  static void start() {
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ca = new TestPki(dir).authority("ca");
    proxyCert = ca.issue("proxy", "DNS:db.example.com", "DNS:*.svc.local", "DNS:other.example.com", "IP:127.0.0.1");
  }

  @AfterAll
  static void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static ProxyFixture proxy(String uri) {
    return new ProxyFixture("registry: " + uri + "\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 1\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    protocol: tcp\n"
        + "    tls: { cert: " + proxyCert.cert() + ", key: " + proxyCert.key() + " }\n"
        + "    routes:\n"
        + "      - name: db\n"
        + "        sni: db.example.com\n"
        + "        service: db\n"
        + "        timeouts: { connect: 500ms }\n"
        + "      - name: by-name\n"
        + "        sni: \"*.svc.local\"\n"
        + "        service: \"{host.0}\"\n");
  }

  /** A TLS connection asking for {@code serverName} (none when null): the echo of one line, or null when closed first. */
  private static @Nullable String echo(ProxyFixture p, @Nullable String serverName) throws IOException {
    try (SSLSocket s = (SSLSocket) TestPki.clientContext(ca, null).getSocketFactory()
        .createSocket("127.0.0.1", p.address().getPort())) {
      s.setSoTimeout(10_000);
      if (serverName != null) {
        SSLParameters params = s.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        s.setSSLParameters(params);
      }
      s.getOutputStream().write("ping\n".getBytes(US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      StringBuilder got = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        got.append((char) c);
      }
      return c < 0 ? null : got.toString();
    } catch (javax.net.ssl.SSLException | java.net.SocketException closed) {
      return null;
    }
  }

  /**
   * Waits until {@code db.example.com} is echoed. The fixed route's service opens with the listener,
   * before the test registers its instance, and sees it when the registry's watch delivers it; until
   * then a connection finds no instance and is closed, reaching none.
   */
  private static void dbAnswers(ProxyFixture p) {
    await().atMost(Duration.ofSeconds(10)).until(() -> "ping".equals(echo(p, "db.example.com")));
  }

  @Test
  void eachConnectionGoesToTheServiceItsServerNameNames() throws Exception {
    String uri = "memory://sni-" + UUID.randomUUID();
    try (RegistryClient registry = Registries.open(uri);
        EchoBackend db = new EchoBackend("db", loops, false);
        EchoBackend cache = new EchoBackend("cache", loops, false);
        EchoBackend queue = new EchoBackend("queue", loops, false);
        ProxyFixture p = proxy(uri)) {
      db.register(registry, "db");
      cache.register(registry, "cache");
      queue.register(registry, "queue");

      dbAnswers(p); // the fixed route's service opened with the listener, before db registered
      assertThat(echo(p, "cache.svc.local")).isEqualTo("ping");
      assertThat(echo(p, "QUEUE.svc.local")).isEqualTo("ping");
      assertThat(echo(p, "cache.svc.local")).isEqualTo("ping");

      assertThat(db.accepted.get()).isEqualTo(1);
      assertThat(cache.accepted.get()).isEqualTo(2);
      assertThat(queue.accepted.get()).isEqualTo(1);
      JsonNode l = new ObjectMapper().readTree(p.client.send(HttpRequest.newBuilder(p.adminUri("/status")).build(),
          HttpResponse.BodyHandlers.ofString()).body()).get("listeners").get(0);
      assertThat(l.get("routes").get(1).get("requests").asInt()).isEqualTo(3);
      assertThat(l.get("routes").get(0).get("sni").asText()).isEqualTo("db.example.com");
      assertThat(l.get("services")).extracting(s -> s.get("name").asText()).containsExactly("cache", "db", "queue");
    }
  }

  @Test
  void aServerNameNoRouteTakesReachesNoInstance() throws Exception {
    String uri = "memory://sni-" + UUID.randomUUID();
    try (RegistryClient registry = Registries.open(uri);
        EchoBackend db = new EchoBackend("db", loops, false);
        ProxyFixture p = proxy(uri)) {
      db.register(registry, "db");

      assertThat(echo(p, "other.example.com")).as("no route").isNull();
      assertThat(echo(p, null)).as("no server name at all").isNull();
      assertThat(echo(p, "nothing-here.svc.local")).as("a service without instances").isNull();

      assertThat(db.accepted.get()).isZero();
      dbAnswers(p);
      assertThat(db.accepted.get()).isEqualTo(1);
    }
  }
}
