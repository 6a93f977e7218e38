package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PersistenceIntegrationTest {
  private TestBackend a;
  private TestBackend b;

  @BeforeEach
  void start() throws Exception {
    a = new TestBackend("a");
    b = new TestBackend("b");
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private static HttpResponse<String> get(ProxyFixture p, String path, @Nullable String header,
      @Nullable String value) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(p.uri(path));
    if (header != null) {
      r.header(header, value);
    }
    return p.client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void lbCookieKeepsAClientOnOneBackendAndFallsBackWhenItIsDown() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: lb-cookie, cookie: KEEL }\n")) {
      HttpResponse<String> first = get(p, "/", null, null);
      String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
      assertThat(setCookie).startsWith("KEEL=").contains("HttpOnly");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      String owner = first.body();
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> r = get(p, "/", "Cookie", "x=1; " + cookie);
        assertThat(r.body()).isEqualTo(owner);
        assertThat(r.headers().firstValue("set-cookie")).isEmpty();
      }
      (owner.equals("a") ? a : b).close();
      HttpResponse<String> moved = get(p, "/", "Cookie", cookie);
      assertThat(moved.statusCode()).isEqualTo(200);
      assertThat(moved.body()).isNotEqualTo(owner);
      assertThat(moved.headers().firstValue("set-cookie").orElseThrow()).startsWith("KEEL=").isNotEqualTo(setCookie);
    }
  }

  @Test
  void appCookieIsPrefixedOnTheWayOutAndRestoredOnTheWayIn() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: app-cookie, cookie: SID }\n")) {
      HttpResponse<String> login = get(p, "/login", null, null);
      String owner = login.body();
      String setCookie = login.headers().firstValue("set-cookie").orElseThrow();
      assertThat(setCookie).matches("SID=[A-Za-z0-9_-]+~abc-" + owner + "; Path=/");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      TestBackend ownerBackend = owner.equals("a") ? a : b;
      for (int i = 0; i < 6; i++) {
        assertThat(get(p, "/x", "Cookie", cookie + "; other=2").body()).isEqualTo(owner);
      }
      assertThat(ownerBackend.lastHeader("Cookie")).containsExactly("SID=abc-" + owner + "; other=2");
    }
  }

  /**
   * An instance that sets no cookie of its own: the proxy inserts its cookie, routes by it, keeps it
   * from the instance, and stops inserting once the client is bound or the application sets its own.
   */
  @Test
  void appCookieInsertsTheProxysCookieWhenTheInstanceSetsNone() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: app-cookie, cookie: SID }\n")) {
      HttpResponse<String> first = get(p, "/x", null, null);
      String owner = first.body();
      String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
      assertThat(setCookie).matches("KEEL_ROUTE=[A-Za-z0-9_-]+; Path=/; HttpOnly");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      TestBackend ownerBackend = owner.equals("a") ? a : b;
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = get(p, "/x", "Cookie", "other=2; " + cookie);
        assertThat(r.body()).isEqualTo(owner);
        assertThat(r.headers().allValues("set-cookie")).as("already bound: nothing inserted").isEmpty();
        assertThat(ownerBackend.lastHeader("Cookie")).containsExactly("other=2");
      }
      HttpResponse<String> login = get(p, "/login", "Cookie", cookie);
      assertThat(login.body()).isEqualTo(owner);
      assertThat(login.headers().allValues("set-cookie")).singleElement().asString().startsWith("SID=");
      assertThat(ownerBackend.lastHeader("Cookie")).isEmpty();
    }
  }

  @Test
  void clientIpFromATrustedProxyIsHashedConsistently() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: client-ip }\n    trusted-proxies: [ 127.0.0.1 ]\n")) {
      Set<String> used = new HashSet<>();
      for (int ip = 1; ip <= 24; ip++) {
        String client = "198.51.100." + ip;
        String first = get(p, "/", "X-Forwarded-For", client).body();
        used.add(first);
        for (int i = 0; i < 3; i++) {
          assertThat(get(p, "/", "X-Forwarded-For", client).body()).as(client).isEqualTo(first);
        }
      }
      assertThat(used).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void strictClientIpAnswers500WhenTheTrustedProxySentNoClientIpNeverARandomInstance() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: client-ip, strict: true, client-ip-headers: [ X-Real-IP ] }\n"
            + "    trusted-proxies: [ 127.0.0.1 ]\n")) {
      for (String[] header : new String[][] {{"X-Forwarded-For", "198.51.100.7"}, {"X-Real-IP", "not-an-address"},
          {"X-Other", "1"}}) {
        HttpResponse<String> r = get(p, "/", header[0], header[1]);
        assertThat(r.statusCode()).as(header[0]).isEqualTo(500);
        assertThat(r.body()).isEqualTo("500 Internal Server Error\n" + RoutedRequest.NO_CLIENT_IP + "\n");
      }
      assertThat(a.requests.get() + b.requests.get()).as("requests that reached an instance").isZero();

      Set<String> used = new HashSet<>();
      for (int ip = 1; ip <= 24; ip++) {
        String client = "198.51.100." + ip;
        String first = get(p, "/", "X-Real-IP", client).body();
        used.add(first);
        assertThat(get(p, "/", "X-Real-IP", client).body()).as(client).isEqualTo(first);
      }
      assertThat(used).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void clientIpHeadersFromAnUntrustedPeerAreIgnored() throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
        "    persistence: { type: client-ip }\n")) {
      Set<String> used = new HashSet<>();
      for (int ip = 1; ip <= 16; ip++) {
        used.add(get(p, "/", "X-Forwarded-For", "198.51.100." + ip).body());
      }
      assertThat(used).hasSize(1);
    }
  }
}
