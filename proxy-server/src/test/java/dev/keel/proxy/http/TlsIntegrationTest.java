package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.TestPki;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS termination on an http listener and TLS to instances, the plain cases (policy: {@link TlsPolicyIntegrationTest}). */
class TlsIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority ca;
  private static TestPki.Leaf cert;

  @BeforeAll
  static void makeCert() {
    ca = new TestPki(dir).authority("ca");
    cert = ca.issue("proxy", "IP:127.0.0.1");
  }

  private static String tlsListener() {
    return "    tls: { cert: " + cert.cert() + ", key: " + cert.key() + " }\n";
  }

  @Test
  void terminatesTlsAndForwardsPlainHttpWithProtoHttps() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture p = ProxyFixture.of("static://" + a.address(), tlsListener())) {
      HttpClient client = HttpClient.newBuilder().sslContext(TestPki.clientContext(ca, null)).version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + p.address().getPort() + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a");
      assertThat(a.lastHeader("X-Forwarded-Proto")).containsExactly("https");
      assertThat(r.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
    }
  }

  @Test
  void connectsToUpstreamsWithTlsWhenConfigured() throws Exception {
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(TestPki.serverContext(ca.issue("backend", "IP:127.0.0.1"), null)));
    server.createContext("/", ex -> {
      byte[] body = ("secure " + ex.getRequestHeaders().getFirst("X-Forwarded-Proto")).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try (ProxyFixture p = ProxyFixture.of("static://127.0.0.1:" + server.getAddress().getPort(),
        "    upstream: { tls: true, verify: false }\n")) {
      HttpResponse<String> r = p.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("secure http");
    } finally {
      server.stop(0);
    }
  }
}
