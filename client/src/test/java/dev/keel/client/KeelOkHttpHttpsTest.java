package dev.keel.client;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.testsupport.TestCa;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code https://<service>/}: certificates verified against the service's name, which is also SNI. */
class KeelOkHttpHttpsTest {
  @TempDir static Path dir;
  static TestCa ca;

  private final ClientFixture fixture = new ClientFixture();

  @BeforeAll
  static void certificates() throws Exception {
    // No certificate names 127.0.0.1, the instances' address: it is never what is verified.
    ca = new TestCa(dir, "orders", "dns:orders,dns:orders.internal.example", "billing", "dns:billing,dns:localhost");
  }

  @AfterEach
  void close() throws Exception {
    fixture.closeAll();
  }

  @Test
  void callsInstancesByServiceNameWithTheNameAsSniAndHost() throws Exception {
    try (TlsTestServer a = new TlsTestServer("orders-1", ca.serverContext("orders"));
         TlsTestServer b = new TlsTestServer("orders-2", ca.serverContext("orders"))) {
      fixture.registry.register(a.instance("orders"));
      fixture.registry.register(b.instance("orders"));
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry));

      Set<String> answered = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        answered.add(ClientFixture.body(http, "https://orders/v1/orders/42"));
      }

      assertThat(answered).containsExactlyInAnyOrder("orders-1", "orders-2");
      assertThat(a.sniNames).containsOnly("orders");
      assertThat(b.sniNames).containsOnly("orders");
      assertThat(a.hostHeaders).containsOnly("orders:" + a.port());
    }
  }

  @Test
  void aWrongCertificateIsRefusedWithTheServiceInstanceAndExpectedName() throws Exception {
    try (TlsTestServer wrong = new TlsTestServer("orders-1", ca.serverContext("billing"))) {
      fixture.registry.register(wrong.instance("orders"));
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry));

      assertThatThrownBy(() -> ClientFixture.body(http, "https://orders/"))
          .isInstanceOf(SSLPeerUnverifiedException.class)
          .hasMessageStartingWith("orders: instance 127.0.0.1:" + wrong.port() + " (orders-1) presented a "
              + "certificate that is not valid for 'orders' (the service name); refused.")
          .hasMessageContaining("subjectAltNames: [billing, localhost]")
          .hasCauseInstanceOf(SSLPeerUnverifiedException.class);
      assertThat(wrong.hostHeaders).isEmpty();
    }
  }

  @Test
  void anInstanceWithAWrongCertificateCostsARetryNotACall() throws Exception {
    try (TlsTestServer good = new TlsTestServer("orders-1", ca.serverContext("orders"));
         TlsTestServer wrong = new TlsTestServer("orders-2", ca.serverContext("billing"))) {
      fixture.registry.register(good.instance("orders"));
      fixture.registry.register(wrong.instance("orders"));
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry));

      for (int i = 0; i < 6; i++) {
        assertThat(ClientFixture.body(http, "https://orders/")).isEqualTo("orders-1");
      }
      assertThat(wrong.hostHeaders).isEmpty(); // no request ever reached it
    }
  }

  @Test
  void aConfiguredTlsServerNameIsVerifiedSentAsSniAndAsHost() throws Exception {
    try (TlsTestServer server = new TlsTestServer("payments-1", ca.serverContext("orders"))) {
      fixture.registry.register(server.instance("payments"));
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry)
          .service("payments", ServicePolicy.builder().tlsServerName("Orders.Internal.Example").build()));

      assertThat(ClientFixture.body(http, "https://payments/")).isEqualTo("payments-1");
      assertThat(server.sniNames).containsExactly("orders.internal.example");
      assertThat(server.hostHeaders).containsExactly("orders.internal.example:" + server.port());
    }
  }

  @Test
  void aHostHeaderSetByTheApplicationIsSentUnchanged() throws Exception {
    try (TlsTestServer server = new TlsTestServer("orders-1", ca.serverContext("orders"))) {
      fixture.registry.register(server.instance("orders"));
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry));

      try (Response r = http.newCall(new Request.Builder().url("https://orders/").header("Host", "shop.example")
          .build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      assertThat(server.hostHeaders).containsExactly("shop.example");
      assertThat(server.sniNames).containsExactly("orders");
    }
  }

  @Test
  void httpsToHostsThatAreNotServicesIsLeftToOkHttp() throws Exception {
    try (TlsTestServer server = new TlsTestServer("plain", ca.serverContext("billing"))) {
      OkHttpClient http = client(KeelOkHttp.builder(fixture.registry));

      assertThat(ClientFixture.body(http, "https://localhost:" + server.port() + "/")).isEqualTo("plain");
    }
  }

  @Test
  void aServiceNameThatNoCertificateCanCarryFailsBeforeAnyInstanceIsPicked() throws Exception {
    try (TlsTestServer server = new TlsTestServer("v2-1", ca.serverContext("orders"))) {
      fixture.registry.register(server.instance("orders_v2"));
      KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(fixture.registry).service("orders_v2"));
      OkHttpClient http = client(keel);

      assertThatThrownBy(() -> ClientFixture.body(http, "https://orders_v2/"))
          .isInstanceOf(SSLException.class)
          .hasMessageContaining("orders_v2: the service name cannot be verified in a certificate")
          .hasMessageContaining("set ServicePolicy.tlsServerName");
      assertThat(ClientFixture.inFlight(requireNonNull(keel.balancer("orders_v2")))).isZero();
    }
  }

  @Test
  void pinsForAServiceNameAreRefusedSinceOkHttpWouldNeverApplyThem() {
    KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(fixture.registry));
    OkHttpClient.Builder builder = new OkHttpClient.Builder().certificatePinner(new CertificatePinner.Builder()
        .add("orders", "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").build());

    assertThatThrownBy(() -> keel.install(builder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("certificatePinner: a pin for 'orders' (expected: none for the names of Keel services");
  }

  private OkHttpClient client(KeelOkHttp.Builder builder) throws Exception {
    return client(fixture.keel(builder));
  }

  private OkHttpClient client(KeelOkHttp keel) throws Exception {
    var context = ca.clientContext();
    var trust = ca.trustManager();
    return fixture.http(keel, b -> b.sslSocketFactory(context.getSocketFactory(), trust));
  }
}
