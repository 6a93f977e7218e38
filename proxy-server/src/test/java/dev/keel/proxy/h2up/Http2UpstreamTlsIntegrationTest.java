package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keel.proxy.support.H2TestServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.testsupport.TestPki;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream.protocol: h2}: HTTP/2 over TLS to the instances, the instance verified against a
 * CA and chosen by ALPN; an instance that does not choose {@code h2} (an HTTPS/1.1 server) is
 * refused as unreachable, never spoken to in a protocol it did not agree to.
 */
class Http2UpstreamTlsIntegrationTest {
  @TempDir static Path dir;
  private static TestPki.Authority ca;
  private static H2TestServer h2;
  private static HttpsServer http11;

  @BeforeAll
  static void start() throws Exception {
    ca = new TestPki(dir).authority("ca");
    TestPki.Leaf leaf = ca.issue("instance", "IP:127.0.0.1");
    h2 = new H2TestServer("h2-tls", 0, SslContextBuilder.forServer(leaf.cert().toFile(), leaf.key().toFile())
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
        .build());
    http11 = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    http11.setHttpsConfigurator(new HttpsConfigurator(TestPki.serverContext(leaf, null)));
    http11.createContext("/", ex -> {
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    http11.start();
  }

  @AfterAll
  static void stop() throws Exception {
    h2.close();
    http11.stop(0);
  }

  private static HttpResponse<String> via(String address) throws Exception {
    try (ProxyFixture p = ProxyFixture.of("static://" + address,
        "    retries: { attempts: 0 }\n    upstream: { protocol: h2, ca: " + ca.cert() + " }\n")) {
      return p.get("/who");
    }
  }

  @Test
  void speaksHttp2OverVerifiedTlsToAnInstanceThatChoseH2() throws Exception {
    HttpResponse<String> r = via(h2.address());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("h2-tls");
    assertThat(h2.requests.get(h2.requests.size() - 1).scheme().toString()).isEqualTo("https");
  }

  @Test
  void refusesAnInstanceThatDidNotChooseH2() throws Exception {
    assertThat(via("127.0.0.1:" + http11.getAddress().getPort()).statusCode()).isEqualTo(502);
  }
}
