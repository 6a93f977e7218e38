package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Headers that tell an instance who the client is. Instances and their frameworks believe
 * {@code Forwarded}, {@code X-Real-IP}, {@code Client-IP}, {@code True-Client-IP} and the like
 * (nginx realip, Spring's ForwardedHeaderFilter, Express's trust proxy), and CGI-style servers
 * read {@code X_Forwarded_For} as {@code X-Forwarded-For}: a client that is not a trusted proxy
 * must not be able to set any of them.
 */
class ClientAddressHeadersIntegrationTest {
  private static TestBackend backend;
  private static ProxyFixture untrusted;
  private static ProxyFixture trusted;
  private static ProxyFixture custom;

  private static final String SPOOFED = "GET / HTTP/1.1\r\nHost: app.example\r\n"
      + "Forwarded: for=6.6.6.6;proto=https\r\n"
      + "X-Real-IP: 6.6.6.6\r\n"
      + "Client-IP: 6.6.6.6\r\n"
      + "True-Client-IP: 6.6.6.6\r\n"
      + "X-Client-IP: 6.6.6.6\r\n"
      + "CF-Connecting-IP: 6.6.6.6\r\n"
      + "X-Forwarded-Client-Cert: Hash=forged;Subject=\"CN=admin\"\r\n"
      + "X_Forwarded_For: 6.6.6.6\r\n"
      + "X-Forwarded_Proto: https\r\n"
      + "X-Custom-IP: 6.6.6.6\r\n"
      + "Connection: close\r\n\r\n";

  @BeforeAll
  static void start() throws Exception {
    backend = new TestBackend("a");
    untrusted = ProxyFixture.of("static://" + backend.address(), "");
    trusted = ProxyFixture.of("static://" + backend.address(), "    trusted-proxies: [ 127.0.0.1 ]\n");
    custom = ProxyFixture.of("static://" + backend.address(), "    client-address-headers: [ X-Custom-IP ]\n");
  }

  @AfterAll
  static void stop() {
    untrusted.close();
    trusted.close();
    custom.close();
    backend.close();
  }

  @BeforeEach
  void reset() {
    backend.headers.clear();
  }

  private static String send(ProxyFixture proxy, String request) throws Exception {
    try (RawHttp c = new RawHttp(proxy.address())) {
      return c.send(request).readAll();
    }
  }

  @Test
  void anUntrustedClientCannotSetAnyClientAddressHeader() throws Exception {
    assertThat(RawHttp.status(send(untrusted, SPOOFED))).isEqualTo(200);
    for (String h : new String[] {"Forwarded", "X-Real-IP", "Client-IP", "True-Client-IP", "X-Client-IP", "CF-Connecting-IP",
        "X-Forwarded-Client-Cert", "X_Forwarded_For", "X-Forwarded_Proto"}) {
      assertThat(backend.lastHeader(h)).as("%s at the instance", h).isEmpty();
    }
    assertThat(backend.lastHeader("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(backend.lastHeader("X-Forwarded-Proto")).containsExactly("http");
  }

  @Test
  void aTrustedProxysClientAddressHeadersPassButNeverTheUnderscoreSpellings() throws Exception {
    assertThat(RawHttp.status(send(trusted, SPOOFED))).isEqualTo(200);
    assertThat(backend.lastHeader("Forwarded")).containsExactly("for=6.6.6.6;proto=https");
    assertThat(backend.lastHeader("X-Real-IP")).containsExactly("6.6.6.6");
    // No proxy sends these: they exist only to be read as X-Forwarded-* by a CGI-style server.
    assertThat(backend.lastHeader("X_Forwarded_For")).isEmpty();
    assertThat(backend.lastHeader("X-Forwarded_Proto")).isEmpty();
  }

  @Test
  void theListIsConfigurable() throws Exception {
    assertThat(RawHttp.status(send(custom, SPOOFED))).isEqualTo(200);
    assertThat(backend.lastHeader("X-Custom-IP")).isEmpty();
    assertThat(backend.lastHeader("X-Real-IP")).as("not in the configured list").containsExactly("6.6.6.6");
    assertThat(backend.lastHeader("X_Forwarded_For")).isEmpty();
  }

  @Test
  void connectionNamingHostNeverDropsHost() throws Exception {
    String r = send(untrusted, "GET / HTTP/1.1\r\nHost: app.example\r\nConnection: Host, close\r\n\r\n");
    assertThat(RawHttp.status(r)).isEqualTo(200);
    assertThat(backend.lastHeader("Host")).containsExactly("app.example");
    assertThat(backend.lastHeader("X-Forwarded-Host")).containsExactly("app.example");
  }

  @Test
  void connectionNamingTheForwardingHeadersDoesNotRemoveWhatTheProxySets() throws Exception {
    String r = send(untrusted, "GET / HTTP/1.1\r\nHost: app.example\r\n"
        + "Connection: X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, close\r\n\r\n");
    assertThat(RawHttp.status(r)).isEqualTo(200);
    assertThat(backend.lastHeader("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(backend.lastHeader("X-Forwarded-Proto")).containsExactly("http");
    assertThat(backend.lastHeader("X-Forwarded-Host")).containsExactly("app.example");
  }
}
