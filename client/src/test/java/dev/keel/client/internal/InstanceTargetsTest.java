package dev.keel.client.internal;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

class InstanceTargetsTest {
  private final AtomicLong now = new AtomicLong();
  private final InstanceTargets targets = new InstanceTargets(now::get);

  @Test
  void httpGoesToTheInstanceAddressAndKeepsEverythingElse() throws Exception {
    Request r = point("http://user@orders/a/b?q=1#f", instance("10.0.0.7", 8080));

    assertThat(r.url().toString()).isEqualTo("http://user@10.0.0.7:8080/a/b?q=1#f");
    assertThat(r.header("Host")).isNull(); // OkHttp derives it: the instance's address
    assertThat(targets.size()).isZero();
  }

  @Test
  void httpsGoesToAPerInstanceNameThatMapsBackToTheInstanceAndTheTlsName() throws Exception {
    Request r = point("https://orders/a?q=1", instance("10.0.0.7", 8443));

    assertThat(r.url().host()).isEqualTo("10-0-0-7.orders.keel.invalid");
    assertThat(r.url().port()).isEqualTo(8443);
    assertThat(r.url().encodedPath()).isEqualTo("/a");
    assertThat(r.header("Host")).isEqualTo("orders:8443");
    InstanceTargets.Target t = targets.lookup(r.url().host());
    assertThat(t).isNotNull();
    assertThat(t.instanceHost).isEqualTo("10.0.0.7");
    assertThat(t.tlsName).isEqualTo("orders");
  }

  @Test
  void theDefaultHttpsPortIsLeftOutOfTheHostHeader() throws Exception {
    assertThat(point("https://orders/", instance("10.0.0.7", 443)).header("Host")).isEqualTo("orders");
  }

  @Test
  void hostNamesAndIpv6AddressesGetADigestLabelPerHost() throws Exception {
    String a = point("https://orders/", instance("orders-1.internal.example", 8443)).url().host();
    String b = point("https://orders/", instance("orders-2.internal.example", 8443)).url().host();
    String c = point("https://orders/", instance("::1", 8443)).url().host();

    assertThat(a).matches("h[0-9a-f]{24}\\.orders\\.keel\\.invalid");
    assertThat(b).isNotEqualTo(a);
    assertThat(requireNonNull(targets.lookup(c)).instanceHost).isEqualTo("::1");
  }

  @Test
  void namesUnusedForTenMinutesAreDroppedAndThenFailClosed() throws Exception {
    String old = point("https://orders/", instance("10.0.0.7", 8443)).url().host();
    now.addAndGet(TimeUnit.MINUTES.toNanos(11));

    String fresh = point("https://orders/", instance("10.0.0.8", 8443)).url().host(); // a new name sweeps

    assertThat(targets.lookup(old)).isNull();
    assertThat(targets.lookup(fresh)).isNotNull();
    assertThat(targets.size()).isEqualTo(1);
  }

  @Test
  void hostsOutsideKeelsSuffixAreNeverLookedUp() {
    assertThat(targets.lookup("orders")).isNull();
    assertThat(InstanceTargets.isKeelHost("10-0-0-7.orders.keel.invalid")).isTrue();
    assertThat(InstanceTargets.isKeelHost("orders.example.com")).isFalse();
  }

  @Test
  void tlsNamesAreCheckedAsDnsNames() {
    assertThat(TlsNames.check("tlsServerName", "Orders.Example")).isEqualTo("orders.example");
    assertThatThrownBy(() -> TlsNames.check("tlsServerName", "10.0.0.7"))
        .hasMessage("tlsServerName: '10.0.0.7' (expected: a DNS name, not an IP address, which SNI cannot carry)");
    assertThatThrownBy(() -> TlsNames.check("tlsServerName", "orders:8443"))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> TlsNames.check("tlsServerName", "orders_v2"))
        .hasMessage("tlsServerName: 'orders_v2' (expected: an ASCII DNS name of letters, digits, hyphens and dots)");
    assertThatThrownBy(() -> TlsNames.check("tlsServerName", "a".repeat(201)))
        .hasMessageContaining("(expected: 1..200 characters)");
  }

  private Request point(String url, ServiceInstance instance) throws Exception {
    Request request = new Request.Builder().url(url).build();
    Request.Builder attempt = request.newBuilder();
    targets.point(attempt, request, instance, "orders");
    return attempt.build();
  }

  private static ServiceInstance instance(String host, int port) {
    return ServiceInstance.builder().service("orders").host(host).port(port).build();
  }
}
