package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link ConfigLoader#parse} with YAML text (and {@code ${ENV}} values from a fixed map):
 * the result is a config whose lists cannot be changed, or a {@link ConfigException} whose message
 * names a line. Any other exception is a finding. Each input is also checked as a
 * {@code trusted-proxies} entry ({@link CidrFuzzTest}). Public for {@code dev.keel.proxy.http.ProxyFuzzTest}.
 */
public class ConfigLoaderFuzzTest {
  private static final Pattern NAMES_LINE = Pattern.compile("line \\d+: .+", Pattern.DOTALL);
  private static final ConfigLoader LOADER = new ConfigLoader(
      Map.of("PORT", "8080", "HOST", "127.0.0.1", "EMPTY", "", "SERVICE", "demo")::get);

  @FuzzTest(maxDuration = "10s")
  public void parse(FuzzedDataProvider data) {
    String yaml = data.consumeRemainingAsString();
    // The same text as a trusted-proxies entry: CI fuzzes one target per module, this one.
    CidrFuzzTest.check(yaml);
    ProxyConfig cfg;
    try {
      cfg = LOADER.parse(yaml, null);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).as("message of a refused config").matches(NAMES_LINE);
      return;
    }
    assertThat(cfg.listeners()).isNotEmpty();
    assertThatThrownBy(() -> cfg.listeners().clear()).isInstanceOf(UnsupportedOperationException.class);
    for (ListenerConfig l : cfg.listeners()) {
      assertThat(l.name()).isNotBlank();
      assertThatThrownBy(() -> l.trustedProxies().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> l.routes().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThat(l.service() == null).as("either a service or routes").isEqualTo(!l.routes().isEmpty());
    }
    assertThat(cfg.toString()).isNotNull();
  }
}
