package dev.keel.registry.etcd;

/** {@code etcds://...}: as {@code etcd://}, always over TLS (see {@link EtcdRegistryProvider}). */
public final class EtcdsRegistryProvider extends EtcdRegistryProvider {
  @Override
  public String scheme() {
    return "etcds";
  }
}
