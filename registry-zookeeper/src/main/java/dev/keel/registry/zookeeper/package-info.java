/**
 * The ZooKeeper registry adapter: {@code zookeeper://h:2181[,h2:2181][/basePath]}, on Apache
 * Curator, in the Curator x-discovery layout that Curator's {@code ServiceDiscovery}, Spring Cloud
 * Zookeeper and Dubbo 3 share. Open it with {@link dev.keel.registry.Registries#open(String)} or
 * {@link dev.keel.registry.zookeeper.ZooKeeperRegistry#builder()}.
 */
@NullMarked
package dev.keel.registry.zookeeper;

import org.jspecify.annotations.NullMarked;
