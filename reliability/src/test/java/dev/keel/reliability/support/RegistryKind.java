package dev.keel.reliability.support;

import java.util.Locale;

/** The registries a scenario runs against; each starts its own fixture. */
public enum RegistryKind {
  ZOOKEEPER, ETCD, NACOS;

  public RegistryFixture start() throws Exception {
    return switch (this) {
      case ZOOKEEPER -> ZooKeeperFixture.open();
      case ETCD -> EtcdFixture.open();
      case NACOS -> NacosFixture.open();
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
