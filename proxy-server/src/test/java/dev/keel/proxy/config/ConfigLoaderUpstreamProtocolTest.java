package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.config.UpstreamProtocol;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code upstream.protocol} and the HTTP/2 upstream keys: defaults, and what {@code check} refuses, with line and key. */
class ConfigLoaderUpstreamProtocolTest {
  private static final String MINIMAL = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:8080\n"
      + "    service: demo\n";

  private static ListenerConfig listener(String lines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(MINIMAL + lines, null).listeners().get(0);
  }

  @Test
  void http1IsTheDefaultAndH2cTakesTheHttp2Defaults() {
    assertThat(listener("").upstream().protocol()).isEqualTo(UpstreamProtocol.HTTP1);
    ListenerConfig l = listener("    upstream: { protocol: h2c }\n");
    assertThat(l.upstream().protocol()).isEqualTo(UpstreamProtocol.H2C);
    assertThat(l.upstream().tls()).isNull();
    assertThat(l.upstream().http2()).isEqualTo(ListenerConfig.Http2.defaults());
    assertThat(l.upstream().http2().streamWindow()).isEqualTo(1024 * 1024);
    assertThat(l.upstream().http2().pingInterval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void h2IsTlsOfferingH2ByAlpn() {
    ListenerConfig l = listener("    upstream: { protocol: h2, verify: false }\n");
    assertThat(l.upstream().protocol()).isEqualTo(UpstreamProtocol.H2);
    assertThat(l.upstream().tls()).isNotNull();
    assertThat(l.upstream().tls().alpn()).isEqualTo(List.of("h2"));
    assertThat(java.util.Objects.requireNonNull(listener("    upstream: { tls: true, verify: false }\n").upstream().tls()).alpn()).isEmpty();
  }

  @Test
  void http2SettingsAreRead() {
    ListenerConfig.Http2 h = listener("    upstream: { protocol: h2c, max-streams: 50, stream-window: 256k,"
        + " ping-interval: 30s, ping-timeout: 5s }\n").upstream().http2();
    assertThat(h).isEqualTo(new ListenerConfig.Http2(50, 256 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(5)));
  }

  @Test
  void contradictionsAndUnusedKeysAreRefusedWithTheLineAndKey() {
    assertThatThrownBy(() -> listener("    upstream: { protocol: h3 }\n"))
        .hasMessage("line 6: listeners[0].upstream.protocol: 'h3' (expected one of: http1, h2c, h2); did you mean 'h2'?");
    assertThatThrownBy(() -> listener("    upstream:\n      protocol: h2\n      tls: false\n"))
        .hasMessageStartingWith("line 8: listeners[0].upstream.tls: false (expected: true with protocol: h2");
    assertThatThrownBy(() -> listener("    upstream:\n      protocol: h2c\n      tls: true\n      verify: false\n"))
        .hasMessageStartingWith("line 8: listeners[0].upstream.tls: true (expected: false with protocol: h2c");
    assertThatThrownBy(() -> listener("    upstream:\n      max-streams: 10\n"))
        .hasMessage("line 7: listeners[0].upstream.max-streams: '10' is not used (expected: protocol: h2c or h2 with it)");
    assertThatThrownBy(() -> listener("    upstream: { protocol: h2c, stream-window: 1k }\n"))
        .hasMessageStartingWith("line 6: listeners[0].upstream.stream-window: '1k' (expected: 64k..2g");
    assertThatThrownBy(() -> listener("    upstream: { protocol: h2c, ping-timeout: 0s }\n"))
        .hasMessageStartingWith("line 6: listeners[0].upstream.ping-timeout: '0s' (expected: a duration above 0");
    assertThatThrownBy(() -> listener("    protocol: tcp\n    upstream: { protocol: h2c }\n"))
        .hasMessageStartingWith("line 7: listeners[0].upstream.protocol: 'h2c' (expected: http1; HTTP/2 to instances needs protocol: http");
  }
}
