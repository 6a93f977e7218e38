package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EtcdServerExtensionTest {
  @Test
  void aMissingEtcdBinaryFailsSayingHowToInstallIt() {
    assertThatThrownBy(() -> EtcdServerExtension.requireBinaries(Path.of("/nonexistent/etcd"), EtcdServerExtension.ETCDCTL))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/nonexistent/etcd")
        .hasMessageContaining("./keel test");
  }
}
