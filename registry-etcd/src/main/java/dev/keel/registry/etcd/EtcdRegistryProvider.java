package dev.keel.registry.etcd;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;

/**
 * {@code etcd://[user:password@]host:2379[,host:2379...][?prefix=/keel&ttl=15s&ca=...&cert=...&key=...]}.
 *
 * <p>Parameters: {@code prefix} (default {@code /keel}), {@code ttl} (lease TTL, default 15s),
 * {@code ca} (PEM file of the CA to trust; implies TLS), {@code cert} and {@code key} (client
 * certificate and PKCS#8 key, PEM; imply TLS), {@code tls=true} (TLS with the JDK's trust store).
 * The {@code etcds} scheme ({@link EtcdsRegistryProvider}) always uses TLS.
 */
public class EtcdRegistryProvider implements RegistryProvider {
  @Override
  public String scheme() {
    return "etcd";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    return EtcdUris.builder(uri, scheme().equals("etcds"), options).buildRaw();
  }

  @Override
  public void validate(RegistryUri uri, RegistryOptions options) {
    EtcdUris.builder(uri, scheme().equals("etcds"), options);
  }
}
