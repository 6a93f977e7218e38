package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client certificates on a listener ({@code tls.client-auth}, {@code tls.client-ca}). */
class MutualTlsIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority serverCa;
  private static TestPki.Leaf clientOfOurCa;
  private static TestPki.Leaf clientOfAnotherCa;
  private static TestBackend backend;
  private static ProxyFixture required;
  private static ProxyFixture optional;

  @BeforeAll
  static void start() throws Exception {
    TestPki pki = new TestPki(dir);
    serverCa = pki.authority("server-ca");
    TestPki.Leaf proxyCert = serverCa.issue("proxy", "IP:127.0.0.1");
    TestPki.Authority clientCa = pki.authority("client-ca");
    // A chain: clients get their certificates from an intermediate of the client CA.
    clientOfOurCa = clientCa.intermediate("client-issuing").issue("client");
    clientOfAnotherCa = pki.authority("other-ca").issue("intruder");
    backend = new TestBackend("a");
    String tls = "    tls: { cert: " + proxyCert.cert() + ", key: " + proxyCert.key() + ", client-ca: " + clientCa.cert();
    required = ProxyFixture.of("static://" + backend.address(), tls + ", client-auth: require }\n");
    optional = ProxyFixture.of("static://" + backend.address(), tls + ", client-auth: optional }\n");
  }

  @AfterAll
  static void stop() {
    required.close();
    optional.close();
    backend.close();
  }

  private static HttpResponse<String> get(ProxyFixture proxy, TestPki.@Nullable Leaf identity) throws Exception {
    // A client of another CA presents its certificate although the proxy asks for ours.
    SSLContext ctx = identity != null && identity.equals(clientOfAnotherCa) ? TestPki.insistentClientContext(serverCa, identity)
        : TestPki.clientContext(serverCa, identity);
    HttpClient client = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.address().getPort() + "/"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requiredClientCertificatesLetInOnlyClientsOfTheConfiguredCa() throws Exception {
    assertThat(get(required, clientOfOurCa).body()).isEqualTo("a");
    assertThatThrownBy(() -> get(required, null)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> get(required, clientOfAnotherCa)).isInstanceOf(IOException.class);
  }

  @Test
  void optionalClientCertificatesLetInClientsWithoutOneButNotWithABadOne() throws Exception {
    assertThat(get(optional, null).body()).isEqualTo("a");
    assertThat(get(optional, clientOfOurCa).body()).isEqualTo("a");
    assertThatThrownBy(() -> get(optional, clientOfAnotherCa)).isInstanceOf(IOException.class);
  }
}
