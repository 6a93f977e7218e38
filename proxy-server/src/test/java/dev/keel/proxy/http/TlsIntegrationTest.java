package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import dev.keel.proxy.support.TestCerts;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIntegrationTest {
  @TempDir static Path dir;
  private static TestCerts certs;

  @BeforeAll
  static void makeCert() throws Exception {
    certs = new TestCerts(dir);
  }

  private static String tlsListener() {
    return "    tls: { cert: " + certs.cert + ", key: " + certs.key + " }\n";
  }

  @Test
  void terminatesTlsAndForwardsPlainHttpWithProtoHttps() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture p = ProxyFixture.of("static://" + a.address(), tlsListener())) {
      HttpClient client = HttpClient.newBuilder().sslContext(certs.clientContext()).version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + p.address().getPort() + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a");
      assertThat(a.lastHeader("X-Forwarded-Proto")).containsExactly("https");
      assertThat(r.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
    }
  }

  @Test
  void refusesTls11() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture p = ProxyFixture.of("static://" + a.address(), tlsListener())) {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
        @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a2) { }
        @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a2) { }
        @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() {
          return new java.security.cert.X509Certificate[0];
        }
      }}, null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", p.address().getPort())) {
        SSLParameters params = s.getSSLParameters();
        params.setProtocols(new String[] {"TLSv1.1"});
        s.setSSLParameters(params);
        assertThatThrownBy(s::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
      }
    }
  }

  @Test
  void connectsToUpstreamsWithTlsWhenConfigured() throws Exception {
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(certs.serverContext()));
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
