package dev.keel.registry.nacos;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;

/**
 * {@code nacos://[user:password@]host[:8848][,host[:port]...][?namespace=..&group=..&cluster=..
 * &access-key=..&secret-key=..&cache-dir=..]}; see {@link NacosRegistry} for what each part means.
 * Found through {@link java.util.ServiceLoader}; {@link dev.keel.registry.Registries} guards what it opens.
 */
public final class NacosRegistryProvider implements RegistryProvider {
  @Override
  public String scheme() {
    return "nacos";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    return NacosRegistry.fromUri(uri, options).openRaw();
  }

  @Override
  public void validate(RegistryUri uri, RegistryOptions options) {
    NacosRegistry.fromUri(uri, options);
  }
}
