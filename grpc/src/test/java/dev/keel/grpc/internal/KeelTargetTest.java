package dev.keel.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeelTargetTest {
  @Test
  void theLastPathSegmentIsTheServiceAndTheRestTheRegistry() {
    assertThat(KeelTarget.parse("zookeeper://zk1:2181,zk2:2181/services/orders"))
        .isEqualTo(new KeelTarget("zookeeper", "zookeeper://zk1:2181,zk2:2181/services", "orders"));
    assertThat(KeelTarget.parse("zookeeper://zk:2181/orders").registryUri()).isEqualTo("zookeeper://zk:2181");
    assertThat(KeelTarget.parse("etcd://127.0.0.1:2379/orders?prefix=/keel&ttl=10s"))
        .isEqualTo(new KeelTarget("etcd", "etcd://127.0.0.1:2379?prefix=/keel&ttl=10s", "orders"));
    assertThat(KeelTarget.parse("nacos://n:8848/orders?namespace=dev&group=G").registryUri())
        .isEqualTo("nacos://n:8848?namespace=dev&group=G");
    assertThat(KeelTarget.parse("static://127.0.0.1:9001;weight=2,127.0.0.1:9002/orders").registryUri())
        .isEqualTo("static://127.0.0.1:9001;weight=2,127.0.0.1:9002");
    assertThat(KeelTarget.parse("memory://test/orders")).isEqualTo(new KeelTarget("memory", "memory://test", "orders"));
    assertThat(KeelTarget.parse("keel:///orders").service()).isEqualTo("orders");
  }

  @Test
  void aHostListWithPortsIsWrittenWithEncodedColons() {
    // RFC 3986 (grpc-java's target parser) allows no ':' inside a host list.
    assertThat(KeelTarget.parse("zookeeper://zk1%3A2181,zk2%3a2182/services/orders").registryUri())
        .isEqualTo("zookeeper://zk1:2181,zk2:2182/services");
    assertThat(KeelTarget.parse("etcd://u:p%3Aw@h1%3A2379,h2:2379/orders").registryUri())
        .isEqualTo("etcd://u:p%3Aw@h1:2379,h2:2379"); // user-info left to the registry URI's own decoding
  }

  @Test
  void theServiceIsPercentDecoded() {
    assertThat(KeelTarget.parse("nacos://n:8848/DEFAULT_GROUP%40%40orders").service()).isEqualTo("DEFAULT_GROUP@@orders");
  }

  @Test
  void aTargetWithoutServiceNamesTheExpectedForm() {
    assertThatThrownBy(() -> KeelTarget.parse("zookeeper://zk:2181"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: 'zookeeper://zk:2181' has no service (expected: zookeeper://hosts[/basePath]/SERVICE[?params]:"
            + " the last path segment names the service)");
    assertThatThrownBy(() -> KeelTarget.parse("etcd://h:2379/"))
        .hasMessageStartingWith("target: 'etcd://h:2379/' has no service (expected: etcd://hosts/SERVICE");
    assertThatThrownBy(() -> KeelTarget.parse("orders")).hasMessage("target: 'orders' (expected: scheme://hosts/SERVICE)");
  }

  @Test
  void messagesAndToStringHideCredentialsAndParameters() {
    assertThatThrownBy(() -> KeelTarget.parse("etcd://root:s3cret@h:2379?password=x"))
        .hasMessageNotContaining("s3cret").hasMessageNotContaining("password=x");
    assertThat(KeelTarget.parse("etcd://root:s3cret@h:2379/orders?token=t0k").toString())
        .doesNotContain("s3cret").doesNotContain("t0k").contains("orders");
  }
}
