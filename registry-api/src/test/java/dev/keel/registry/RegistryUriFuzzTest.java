package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.List;

/**
 * Fuzzes {@link RegistryUri#parse}, the host list ({@link RegistryUri#addresses}) and the typed
 * parameters: each gives a valid value or an {@link IllegalArgumentException} saying which part is
 * wrong. Input: the URI text; its last byte picks the default port.
 */
class RegistryUriFuzzTest {
  private static final int[] DEFAULT_PORTS = {0, 2379, 70_000, -1};

  @FuzzTest(maxDuration = "5s")
  void parse(FuzzedDataProvider data) {
    int defaultPort = DEFAULT_PORTS[data.consumeInt(0, DEFAULT_PORTS.length - 1)];
    String text = data.consumeRemainingAsString();

    RegistryUri uri;
    try {
      uri = RegistryUri.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).startsWith("registry uri");
      return;
    }
    assertThat(uri.scheme()).matches("[a-z][a-z0-9+.-]*");
    assertThat(uri.path()).satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith("/"));
    assertThat(uri.authority()).doesNotContain("/", "?");
    assertThat(uri.params().keySet()).doesNotContainNull();
    if (uri.password() != null) {
      assertThat(uri.toString()).contains(":***@");
    }

    try {
      List<String> entries = uri.hostEntries();
      List<RegistryUri.Address> addresses = uri.addresses(defaultPort);
      assertThat(addresses).hasSameSizeAs(entries);
      for (RegistryUri.Address a : addresses) {
        assertThat(a.host()).isNotBlank().doesNotContain("/", " ", "@");
        assertThat(a.port()).isBetween(1, 65_535);
        assertThat(RegistryUri.Address.parse(a.toString(), 0)).isEqualTo(a);
      }
    } catch (IllegalArgumentException e) {
      FuzzChecks.namesAField(e, "registry uri hosts", "host", "port");
    }

    for (String key : uri.params().keySet()) {
      String name = "registry uri parameter " + key;
      try {
        assertThat(uri.intParam(key, 7, 1, 65_535)).isBetween(1, 65_535);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).startsWith(name + ":");
      }
      try {
        uri.booleanParam(key, false);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).startsWith(name + ":");
      }
      try {
        assertThat(uri.durationParam(key, Duration.ZERO).isNegative()).isFalse();
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).startsWith(name + ":");
      }
    }
  }
}
