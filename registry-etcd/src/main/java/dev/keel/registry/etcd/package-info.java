/**
 * The etcd adapter: {@code etcd://host:2379[,host:2379][?prefix=/keel&ttl=15s]} (or {@code etcds://}
 * for TLS) through jetcd, or {@link dev.keel.registry.etcd.EtcdRegistry#builder()}.
 *
 * <p>Each instance is a JSON document at {@code {prefix}/services/{service}/{id}}, attached to one
 * lease per client that Keel keeps alive and re-grants after a loss; watches list the prefix and
 * watch from the listed revision + 1, and re-list after a compaction. The module's README
 * describes the format so that services in other languages can register with {@code etcdctl}.
 */
@NullMarked
package dev.keel.registry.etcd;

import org.jspecify.annotations.NullMarked;
