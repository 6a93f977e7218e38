package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code timeouts.header-read} and {@code timeouts.body-read}: defaults, values, errors. */
class ReadTimeoutsConfigTest {
  private static final String LISTENER = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:0\n"
      + "    service: demo\n";

  private static ListenerConfig.Timeouts timeouts(String extra) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(LISTENER + extra, null).listeners().get(0).timeouts();
  }

  @Test
  void defaultsAreTenAndThirtySeconds() {
    assertThat(timeouts("").headerRead()).isEqualTo(Duration.ofSeconds(10));
    assertThat(timeouts("").bodyRead()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void areReadFromTheListenersTimeouts() {
    ListenerConfig.Timeouts t = timeouts("    timeouts: { header-read: 2s, body-read: 0s }\n");
    assertThat(t.headerRead()).isEqualTo(Duration.ofSeconds(2));
    assertThat(t.bodyRead()).isZero();
    assertThat(t.idle()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aBadValueNamesLineAndKey() {
    assertThatThrownBy(() -> timeouts("    timeouts: { header-read: soon }\n"))
        .hasMessageStartingWith("line 6: listeners[0].timeouts.header-read: 'soon'");
  }
}
