package dev.keel.registry.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code zookeeper://user:password@...}: digest auth, and instance nodes only its user may change. */
class DigestAuthTest {
  @RegisterExtension static final SharedZooKeeper server = new SharedZooKeeper();

  @Test
  void instanceNodesAreReadableByAllAndWritableOnlyWithTheCredentials() throws Exception {
    try (CuratorFramework anonymous = ZooKeeperTesting.curator(server.connectString())) {
      try (RegistryClient keel = Registries.open("zookeeper://keel:s3cret@" + server.connectString() + "/secured")) {
        keel.register(ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9001).build());

        // ZooKeeper hides the digest's hash from readers without the credentials: compare the rest.
        List<ACL> acl = anonymous.getACL().forPath("/secured/orders/i-1");
        assertThat(acl).extracting(a -> a.getPerms() + " " + a.getId().getScheme() + " " + a.getId().getId().split(":")[0])
            .containsExactlyInAnyOrder(ZooDefs.Perms.ALL + " digest keel", ZooDefs.Perms.READ + " world anyone");
        assertThat(anonymous.getData().forPath("/secured/orders/i-1")).isNotEmpty();
        assertThatThrownBy(() -> anonymous.setData().forPath("/secured/orders/i-1", new byte[0]))
            .isInstanceOf(KeeperException.NoAuthException.class);
        // Others can still register beside it: the service node stays open.
        anonymous.create().forPath("/secured/orders/other", new byte[0]);
      }
      // Closing the client deletes its ephemeral instance node.
      assertThat(anonymous.checkExists().forPath("/secured/orders/i-1")).isNull();
    }
  }
}
