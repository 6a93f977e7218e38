package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS a listener offers, probed as an attacker would: old cipher suites, client-initiated
 * renegotiation (a full handshake of server CPU for a few client bytes, CVE-2011-1473), and a
 * handshake that never completes. An RSA certificate, so that RSA key exchange could be offered.
 */
class TlsPolicyIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority ca;
  private static TestBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    ca = TestPki.rsa(dir).authority("ca");
    TestPki.Leaf cert = ca.issue("proxy", "IP:127.0.0.1");
    backend = new TestBackend("a");
    proxy = ProxyFixture.of("static://" + backend.address(),
        "    tls: { cert: " + cert.cert() + ", key: " + cert.key() + ", handshake-timeout: 500ms }\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  private static SSLSocket connect(String protocol, String... suites) throws IOException {
    SSLContext ctx = TestPki.clientContext(ca, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", proxy.address().getPort());
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    p.setProtocols(new String[] {protocol});
    if (suites.length > 0) {
      p.setCipherSuites(suites);
    }
    s.setSSLParameters(p);
    return s;
  }

  private static String get(SSLSocket s) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\na")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      got.write(c);
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void offersForwardSecretAeadSuitesOnly() throws Exception {
    for (String weak : new String[] {"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"}) {
      try (SSLSocket s = connect("TLSv1.2", weak)) {
        assertThatThrownBy(s::startHandshake).as(weak).isInstanceOf(SSLException.class);
      }
    }
    try (SSLSocket s = connect("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) {
      assertThat(RawHttp.status(get(s))).isEqualTo(200);
    }
    try (SSLSocket s = connect("TLSv1.3")) {
      assertThat(RawHttp.status(get(s))).isEqualTo(200);
    }
  }

  @Test
  void refusesTls11() throws Exception {
    try (SSLSocket s = connect("TLSv1.1")) {
      assertThatThrownBy(s::startHandshake).isInstanceOf(SSLException.class);
    }
  }

  @Test
  void aClientThatRenegotiatesIsDisconnected() throws Exception {
    try (SSLSocket s = connect("TLSv1.2")) {
      assertThat(RawHttp.status(get(s))).isEqualTo(200);
      long before = proxy.server.listeners().get(0).tls().renegotiationsRefused();
      // The JDK client renegotiates when asked for a new handshake on a TLS 1.2 connection.
      try {
        s.startHandshake();
        String second = get(s);
        assertThat(second).as("answer after a renegotiation").isEmpty();
      } catch (IOException expected) {
        // the proxy closed the connection during or right after the renegotiation
      }
      assertThat(proxy.server.listeners().get(0).tls().renegotiationsRefused()).isEqualTo(before + 1);
    }
  }

  @Test
  void aHandshakeThatDoesNotCompleteIsCut() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.address().getPort())) {
      s.setSoTimeout(10_000);
      // the first bytes of a ClientHello record header, then nothing
      s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
      s.getOutputStream().flush();
      // idle (60 s) and header-read (10 s) are far off: only the 500 ms handshake timeout closes it
      Awaitility.await().atMost(Duration.ofSeconds(8)).until(() -> s.getInputStream().read() < 0);
    }
  }
}
