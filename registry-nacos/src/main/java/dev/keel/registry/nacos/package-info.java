/**
 * The Nacos adapter: {@code nacos://host:8848[?namespace=...&group=...&cluster=...]} through
 * nacos-client 2.x. Open it with {@link dev.keel.registry.Registries#open(String)} or
 * {@link dev.keel.registry.nacos.NacosRegistry#builder()}.
 */
@NullMarked
package dev.keel.registry.nacos;

import org.jspecify.annotations.NullMarked;
