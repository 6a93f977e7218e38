package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** User and password from the URI's user-info, against an etcd with authentication enabled. */
class EtcdAuthIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  @BeforeAll
  static void enableAuth() throws Exception {
    etcd.etcdctl("user", "add", "root:s3cret-p@ss");
    etcd.etcdctl("auth", "enable");
  }

  @Test
  void credentialsFromTheUserInfoAreUsed() {
    try (RegistryClient client = Registries.open("etcd://root:s3cret-p%40ss@127.0.0.1:" + etcd.clientPort())) {
      client.register(ServiceInstance.builder().service("authed").id("a-1").host("10.0.0.1").port(80).build());
      assertThat(client.resolve("authed").get("a-1")).isNotNull();
    }
  }

  @Test
  void aWrongPasswordFailsWithoutShowingIt() {
    try (RegistryClient client = Registries.open("etcd://root:wrong-secret@127.0.0.1:" + etcd.clientPort() + "?resolve-timeout=3s")) {
      assertThatThrownBy(() -> client.resolve("authed")).isInstanceOf(RegistryException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-secret"));
    }
  }
}
