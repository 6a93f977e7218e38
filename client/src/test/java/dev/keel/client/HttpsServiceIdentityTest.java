package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.testsupport.TestCa;
import java.nio.file.Path;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker (or a wrong registry entry) could do with HTTPS calls by name if certificates
 * were checked against instance addresses: every certificate here also covers 127.0.0.1, the
 * address of every instance, and must not be accepted for that.
 */
class HttpsServiceIdentityTest {
  @TempDir static Path dir;
  static TestCa ca;

  private final ClientFixture fixture = new ClientFixture();

  @BeforeAll
  static void certificates() throws Exception {
    ca = new TestCa(dir, "orders", "dns:orders,ip:127.0.0.1", "billing", "dns:billing,ip:127.0.0.1");
  }

  @AfterEach
  void close() throws Exception {
    fixture.closeAll();
  }

  @Test
  void aCertificateForAnotherServiceIsRefusedThoughItCoversTheInstanceAddress() throws Exception {
    try (TlsTestServer billingServer = new TlsTestServer("billing-1", ca.serverContext("billing"))) {
      fixture.registry.register(billingServer.instance("orders")); // an "orders" entry pointing at billing
      OkHttpClient http = client();

      assertThatThrownBy(() -> get(http, "https://orders/")).isInstanceOf(SSLPeerUnverifiedException.class);
    }
  }

  @Test
  void aConnectionVerifiedForOneServiceNeverCarriesCallsToAnotherAtTheSameAddress() throws Exception {
    try (TlsTestServer ordersServer = new TlsTestServer("orders-1", ca.serverContext("orders"))) {
      fixture.registry.register(ordersServer.instance("orders"));
      fixture.registry.register(ordersServer.instance("billing")); // billing's entry points at orders
      OkHttpClient http = client();

      assertThat(get(http, "https://orders/")).isEqualTo("orders-1"); // leaves a pooled connection

      assertThatThrownBy(() -> get(http, "https://billing/")).isInstanceOf(SSLPeerUnverifiedException.class);
      assertThat(ordersServer.hostHeaders).hasSize(1);
    }
  }

  private OkHttpClient client() throws Exception {
    KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(fixture.registry));
    return fixture.http(keel, b -> {
      try {
        b.sslSocketFactory(ca.clientContext().getSocketFactory(), ca.trustManager());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static String get(OkHttpClient http, String url) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.body().string();
    }
  }
}
