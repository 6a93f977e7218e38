package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.internal.GuardedRegistryClient;
import dev.keel.registry.tck.RegistryContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registry TCK against a real etcd: clients opened through {@code Registries.open("etcd://...")};
 * a restart is a real stop and start of the server; a lost session is the client's lease revoked
 * from outside with {@code etcdctl lease revoke}.
 */
class EtcdRegistryContractIntegrationTest extends RegistryContract {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  @Override
  protected RegistryClient newClient() {
    return Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/keel-tck&ttl=2s&resolve-timeout=5s");
  }

  @Override
  protected void restartServer() throws Exception {
    etcd.restart();
  }

  @Override
  protected void loseSession(RegistryClient client) throws Exception {
    EtcdRegistryClient raw = (EtcdRegistryClient) ((GuardedRegistryClient) client).delegate();
    long lease = raw.leaseId();
    assertThat(lease).as("the client holds a lease").isNotZero();
    assertThat(etcd.etcdctl("lease", "revoke", Long.toHexString(lease))).contains("revoked");
  }
}
