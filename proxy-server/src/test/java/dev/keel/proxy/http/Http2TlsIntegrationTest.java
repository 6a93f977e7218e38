package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 over TLS on an http listener: chosen by ALPN, HTTP/1.1 for clients that do not offer h2. */
class Http2TlsIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority ca;
  private static TestPki.Leaf cert;
  private static TestBackend a;

  @BeforeAll
  static void start() throws Exception {
    ca = new TestPki(dir).authority("ca");
    cert = ca.issue("proxy", "IP:127.0.0.1");
    a = new TestBackend("a");
  }

  @AfterAll
  static void stop() {
    a.close();
  }

  private static String tls(String more) {
    return "    tls: { cert: " + cert.cert() + ", key: " + cert.key() + " }\n" + more;
  }

  private static HttpResponse<String> get(ProxyFixture p, HttpClient.Version version) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(TestPki.clientContext(ca, null)).version(version).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + p.address().getPort() + "/alpn")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aClientOfferingH2GetsHttp2AndTheInstanceSeesHttps() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address(), tls(""))) {
      HttpResponse<String> r = get(p, HttpClient.Version.HTTP_2);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a");
      assertThat(a.lastHeader("X-Forwarded-Proto")).containsExactly("https");
    }
  }

  @Test
  void aClientOfferingOnlyHttp11GetsHttp11OnTheSamePort() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address(), tls(""))) {
      HttpResponse<String> r = get(p, HttpClient.Version.HTTP_1_1);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.body()).isEqualTo("a");
    }
  }

  @Test
  void http2FalseNeverNegotiatesH2() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address(), tls("    http2: false\n"))) {
      HttpResponse<String> r = get(p, HttpClient.Version.HTTP_2);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.body()).isEqualTo("a");
    }
  }
}
