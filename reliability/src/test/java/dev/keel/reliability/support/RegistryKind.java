package dev.keel.reliability.support;

import dev.keel.registry.nacos.fixture.NacosServer;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;

/** The registries a scenario runs against; each starts its own fixture (Nacos: the JVM's shared server). */
public enum RegistryKind {
  ZOOKEEPER, ETCD, NACOS;

  public RegistryFixture start() throws Exception {
    return switch (this) {
      case ZOOKEEPER -> ZooKeeperFixture.open();
      case ETCD -> EtcdFixture.open();
      case NACOS -> NacosFixture.open();
    };
  }

  /**
   * Every registry this run has: Nacos only when {@code KEEL_NACOS_DIST} or {@code KEEL_NACOS_ADDR}
   * names a server (the build then runs the classes tagged {@code nacos-server} too; {@code ./keel test}
   * says in one line when it does not). For {@code @MethodSource}.
   */
  public static Stream<RegistryKind> available() {
    return Arrays.stream(values()).filter(k -> k != NACOS || NacosServer.available());
  }

  /** ZooKeeper, and Nacos when a server is named: for the scenarios of the backends, which every registry delivers alike. */
  public static Stream<RegistryKind> zooKeeperAndNacos() {
    return available().filter(k -> k != ETCD);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
