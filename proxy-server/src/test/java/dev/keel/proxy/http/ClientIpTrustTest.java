package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@code client-ip} persistence walks {@code X-Forwarded-For} from the right past the trusted
 * proxies. Each hop is request text: it is read as strictly as a {@code trusted-proxies} entry
 * and never resolved (a name lookup of a hop such as {@code 1.2.3.4.5} would block the event loop).
 */
class ClientIpTrustTest {
  private static final ListenerConfig CONFIG = new ConfigLoader(Map.<String, String>of()::get).parse(
      "registry: static://127.0.0.1:9001\nlisteners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n"
          + "    persistence: { type: client-ip }\n    trusted-proxies: [ 10.0.0.0/8, 127.0.0.1 ]\n", null).listeners().get(0);

  private static @Nullable String clientIp(String xff) {
    HttpHeaders h = new DefaultHttpHeaders().add("X-Forwarded-For", xff);
    return new StickySessions(CONFIG).clientIp("10.0.0.9", true, h);
  }

  @Test
  void skipsTheTrustedProxiesFromTheRight() {
    assertThat(clientIp("6.6.6.6, 203.0.113.7, 10.0.0.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void aShorthandHopIsNotTakenForATrustedProxyNorBelieved() {
    // "127.1" is 127.0.0.1 to InetAddress.getByName, and would have been skipped as trusted: the
    // hop left of it (what the client wrote) would then have been believed. It is not an address
    // either, so nothing in the header is: the key is the peer's address.
    assertThat(clientIp("6.6.6.6, 127.1")).isEqualTo("10.0.0.9");
    assertThat(clientIp("6.6.6.6, 010.0.0.7")).isEqualTo("10.0.0.9");
    assertThat(clientIp("6.6.6.6, 1.2.3.4.5")).isEqualTo("10.0.0.9");
  }

  @Test
  void strictModeFindsNoClientIpInsteadOfThePeers() {
    ListenerConfig strict = new ConfigLoader(Map.<String, String>of()::get).parse(
        "registry: static://127.0.0.1:9001\nlisteners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n"
            + "    persistence: { type: client-ip, strict: true }\n    trusted-proxies: [ 10.0.0.0/8 ]\n", null).listeners().get(0);
    StickySessions s = new StickySessions(strict);
    assertThat(s.clientIp("10.0.0.9", true, new DefaultHttpHeaders().add("X-Forwarded-For", "6.6.6.6, 127.1"))).isNull();
    assertThat(s.clientIp("10.0.0.9", true, new DefaultHttpHeaders())).isNull();
    assertThat(s.clientIp("10.0.0.9", true, new DefaultHttpHeaders().add("Client-IP", "203.0.113.7"))).isEqualTo("203.0.113.7");
    assertThat(s.clientIp("192.0.2.1", false, new DefaultHttpHeaders())).as("untrusted peer: its own address").isEqualTo("192.0.2.1");
  }
}
