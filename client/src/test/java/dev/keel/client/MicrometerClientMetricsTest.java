package dev.keel.client;

import static dev.keel.client.ClientFixture.body;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.client.micrometer.MicrometerClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerClientMetricsTest {
  private final ClientFixture fx = new ClientFixture();

  @AfterEach
  void closeAll() throws Exception {
    fx.closeAll();
  }

  @Test
  void countsRequestsFailuresRetriesAndInFlightPerEndpoint() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b");
    s.get(1).getStatus = 503;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry).metrics(MicrometerClientMetrics.of(meters)));
    OkHttpClient http = fx.http(keel);

    for (int i = 0; i < 10; i++) {
      assertThat(body(http, "http://orders/x")).isEqualTo("a");
    }
    Response open = ClientFixture.get(http, "http://orders/held-open");

    assertThat(meters.get("keel.client.requests").tag("service", "orders").counter().count()).isEqualTo(11);
    double failures = meters.get("keel.client.failures").tag("kind", "http_5xx").counter().count();
    assertThat(failures).isPositive();
    assertThat(meters.get("keel.client.retries").tag("reason", "http_5xx").counter().count()).isEqualTo(failures);
    assertThat(meters.get("keel.client.inflight").tag("endpoint", "a").gauge().value()).isEqualTo(1.0);
    assertThat(meters.get("keel.client.inflight").tag("endpoint", "b").gauge().value()).isZero();
    open.close();
    assertThat(meters.get("keel.client.inflight").tag("endpoint", "a").gauge().value()).isZero();

    keel.close();
    assertThat(meters.find("keel.client.inflight").gauges()).isEmpty();
  }

  @Test
  void publishesTheRegistrysReachabilityAndMalformedEntriesAndEachServicesStaleness() throws Exception {
    fx.servers("orders", "a");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry).metrics(MicrometerClientMetrics.of(meters)));
    assertThat(body(fx.http(keel), "http://orders/x")).isEqualTo("a");

    String name = fx.registry.toString();
    assertThat(meters.get("keel.registry.reachable").tag("registry", name).gauge().value()).isEqualTo(1.0);
    assertThat(meters.get("keel.registry.malformed.entries").tag("registry", name).functionCounter().count()).isZero();
    assertThat(meters.get("keel.registry.outages").tag("registry", name).functionCounter().count()).isZero();
    assertThat(meters.get("keel.client.stale").tag("service", "orders").gauge().value()).isZero();
  }
}
