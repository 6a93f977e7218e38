package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryUri;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** URI parsing and provider lookup; nothing here connects to etcd. */
class EtcdUrisTest {
  @Test
  void bothSchemesAreFoundThroughServiceLoader() {
    assertThat(Registries.provider("etcd")).isInstanceOf(EtcdRegistryProvider.class);
    assertThat(Registries.provider("etcds")).isInstanceOf(EtcdsRegistryProvider.class);
  }

  @Test
  void prefixTtlAndHostsAreRead() {
    EtcdRegistryClient raw = open("etcd://user:s3cret@10.0.0.1,10.0.0.2:2380?prefix=/apps/keel/&ttl=4s");
    try {
      assertThat(raw.config().prefix()).isEqualTo("/apps/keel");
      assertThat(raw.config().ttl()).isEqualTo(Duration.ofSeconds(4));
      assertThat(raw.config().endpoints()).isEqualTo("http://10.0.0.1:2379,http://10.0.0.2:2380").doesNotContain("s3cret");
      assertThat(raw.leaseId()).as("nothing is granted before the first registration").isZero();
    } finally {
      raw.close();
    }
  }

  @Test
  void etcdsMeansHttpsEndpointsAndDefaultsApply() {
    EtcdRegistryClient raw = open("etcds://etcd.internal");
    try {
      assertThat(raw.config().endpoints()).isEqualTo("https://etcd.internal:2379");
      assertThat(raw.config().prefix()).isEqualTo("/keel");
      assertThat(raw.config().ttl()).isEqualTo(Duration.ofSeconds(15));
      assertThat(raw.config().keepAliveInterval()).isEqualTo(Duration.ofSeconds(5));
    } finally {
      raw.close();
    }
  }

  @Test
  void badUrisAreRejectedNamingThePart() {
    assertThatThrownBy(() -> open("etcd://h?prefx=/x")).hasMessageContaining("'prefx'");
    assertThatThrownBy(() -> open("etcd://h/keel")).hasMessageContaining("?prefix=/keel");
    assertThatThrownBy(() -> open("etcd://h?ttl=0s")).hasMessageContaining("ttl");
    assertThatThrownBy(() -> open("etcd://h?cert=/tmp/c.pem")).hasMessageContaining("cert: given without key");
    assertThatThrownBy(() -> open("etcd://h?ca=/nonexistent/ca.pem"))
        .hasMessage("registry uri parameter ca: '/nonexistent/ca.pem' (expected: a readable PEM file; it does not exist)");
    assertThatThrownBy(() -> open("etcd://user@h")).hasMessageContaining("without a password");
    assertThatThrownBy(() -> open("etcd://h:70000")).hasMessageContaining("70000");
  }

  @Test
  void validateCatchesWhatOpenRefusesWithoutConnecting() {
    assertThatThrownBy(() -> Registries.validate("ectd://127.0.0.1:2379"))
        .hasMessageContaining("'ectd'").hasMessageContaining("did you mean 'etcd'?");
    assertThatThrownBy(() -> Registries.validate("etcd://h?bogus=")).hasMessageContaining("'bogus': unknown for etcd://");
    assertThatThrownBy(() -> Registries.validate("etcd://h?prefx=/keel")).hasMessageContaining("did you mean 'prefix'?");
    assertThatThrownBy(() -> Registries.validate("etcds://h?key=/nonexistent/k.pem&cert=/nonexistent/c.pem"))
        .hasMessageContaining("/nonexistent/");
    assertThatThrownBy(() -> Registries.validate("etcd://h?ttl=0s")).hasMessage("registry uri parameter ttl: '0s' (expected: 1s..1d)");
    assertThatThrownBy(() -> Registries.validate("etcd://h?ttl=2d")).hasMessage("registry uri parameter ttl: '2d' (expected: 1s..1d)");
    // nothing listens on port 1: validation does not connect
    Registries.validate("etcd://127.0.0.1:1?prefix=/keel&ttl=1d");
  }

  @Test
  void theUriNeverShowsThePassword() {
    assertThat(RegistryUri.parse("etcd://root:s3cret@h:2379").toString()).doesNotContain("s3cret");
  }

  private static EtcdRegistryClient open(String uri) {
    RegistryUri parsed = RegistryUri.parse(uri);
    return EtcdUris.builder(parsed, parsed.scheme().equals("etcds"), RegistryOptions.defaults()).buildRaw();
  }
}
