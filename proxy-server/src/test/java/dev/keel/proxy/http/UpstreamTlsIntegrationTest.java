package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.testsupport.TestPki;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to instances verified against a real certificate chain (a root CA, an intermediate, a leaf
 * the instance presents with its intermediate): the CA file, the name verified and sent as SNI,
 * and the proxy's client certificate for instances that require one. A failed verification is an
 * instance that could not be reached: 502.
 */
class UpstreamTlsIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority root;
  private static TestPki.Leaf proxyClient;
  private static HttpsServer byIp;
  private static HttpsServer byName;
  private static HttpsServer mtls;

  @BeforeAll
  static void start() throws Exception {
    TestPki pki = new TestPki(dir);
    root = pki.authority("root");
    TestPki.Authority issuing = root.intermediate("issuing");
    TestPki.Authority clients = pki.authority("clients");
    proxyClient = clients.issue("keel-proxy");
    byIp = backend(TestPki.serverContext(issuing.issue("ip-backend", "IP:127.0.0.1"), null), false, "by-ip");
    byName = backend(TestPki.serverContext(issuing.issue("name-backend", "DNS:orders.internal"), null), false, "by-name");
    mtls = backend(TestPki.serverContext(issuing.issue("mtls-backend", "IP:127.0.0.1"), clients), true, "mtls");
  }

  private static HttpsServer backend(SSLContext ctx, boolean needClientAuth, String name) throws Exception {
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
      @Override
      public void configure(HttpsParameters params) {
        javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(needClientAuth);
        params.setSSLParameters(p);
      }
    });
    s.createContext("/", ex -> {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    s.start();
    return s;
  }

  @AfterAll
  static void stop() {
    byIp.stop(0);
    byName.stop(0);
    mtls.stop(0);
  }

  private static HttpResponse<String> via(HttpsServer backend, String upstream) throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://127.0.0.1:" + backend.getAddress().getPort(),
        "    retries: { attempts: 0 }\n    upstream: { tls: true" + upstream + " }\n")) {
      return p.get("/");
    }
  }

  @Test
  void verifiesTheInstanceAgainstTheConfiguredCaThroughItsIntermediate() throws Exception {
    HttpResponse<String> r = via(byIp, ", ca: " + root.cert());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("by-ip");
  }

  @Test
  void refusesAnInstanceTheJvmTrustStoreDoesNotVouchFor() throws Exception {
    assertThat(via(byIp, "").statusCode()).isEqualTo(502);
  }

  @Test
  void refusesAnInstanceWhoseCertificateDoesNotNameIt() throws Exception {
    assertThat(via(byName, ", ca: " + root.cert()).statusCode()).as("verified against 127.0.0.1").isEqualTo(502);
    assertThat(via(byIp, ", ca: " + root.cert() + ", server-name: orders.internal").statusCode())
        .as("a certificate for 127.0.0.1 verified against orders.internal").isEqualTo(502);
  }

  @Test
  void verifiesAndSendsTheConfiguredServerName() throws Exception {
    HttpResponse<String> r = via(byName, ", ca: " + root.cert() + ", server-name: orders.internal");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("by-name");
  }

  @Test
  void presentsItsClientCertificateToInstancesThatRequireOne() throws Exception {
    assertThat(via(mtls, ", ca: " + root.cert()).statusCode()).isEqualTo(502);
    HttpResponse<String> r = via(mtls, ", ca: " + root.cert() + ", cert: " + proxyClient.cert() + ", key: " + proxyClient.key());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("mtls");
  }

  @Test
  void aHandshakeRefusedIsAConnectFailureSoEvenAPostIsRetriedOnAnotherInstance() throws Exception {
    String instances = "static://127.0.0.1:" + byName.getAddress().getPort() + ",127.0.0.1:" + byIp.getAddress().getPort();
    try (ProxyFixture p = ProxyFixture.of(instances,
        "    retries: { attempts: 1 }\n    upstream: { tls: true, ca: " + root.cert() + " }\n")) {
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = p.client.send(java.net.http.HttpRequest.newBuilder(p.uri("/orders"))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("order " + i)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST %d: nothing reached the refused instance, so it is retried", i).isEqualTo(200);
        assertThat(r.body()).isEqualTo("by-ip");
      }
      long refused = p.picker().backends().stream()
          .filter(b -> b.port() == byName.getAddress().getPort()).mapToLong(b -> b.failures()).sum();
      assertThat(refused).as("the refused handshakes are charged to that instance").isPositive();
    }
  }

  @Test
  void withVerifyOffAnyCertificateIsAccepted() throws Exception {
    assertThat(via(byName, ", verify: false").statusCode()).isEqualTo(200);
  }
}
