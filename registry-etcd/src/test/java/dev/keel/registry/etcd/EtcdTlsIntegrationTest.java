package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The documented TLS parameters against an etcd that requires TLS and client certificates. */
class EtcdTlsIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension(true);

  @Test
  void etcdsWithCaAndClientCertificateRegistersAndWatches() {
    String uri = "etcds://127.0.0.1:" + etcd.clientPort() + "?ca=" + etcd.tlsFile("ca.pem")
        + "&cert=" + etcd.tlsFile("client.pem") + "&key=" + etcd.tlsFile("client.key");
    try (RegistryClient client = Registries.open(uri)) {
      Recorder seen = new Recorder();
      client.watch("secure", seen);
      client.register(ServiceInstance.builder().service("secure").id("s-1").host("10.0.0.1").port(443).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("s-1")));
      assertThat(client.resolve("secure").instances()).extracting(ServiceInstance::port).containsExactly(443);
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefusesAndResolveSaysSo() {
    String uri = "etcds://127.0.0.1:" + etcd.clientPort() + "?ca=" + etcd.tlsFile("ca.pem") + "&resolve-timeout=2s";
    try (RegistryClient client = Registries.open(uri)) {
      assertThatThrownBy(() -> client.resolve("secure")).isInstanceOf(RegistryException.class)
          .hasMessageContaining("127.0.0.1:" + etcd.clientPort());
    }
  }
}
