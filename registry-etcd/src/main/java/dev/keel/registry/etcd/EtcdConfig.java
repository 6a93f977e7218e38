package dev.keel.registry.etcd;

import java.time.Duration;

/**
 * Settings of one raw etcd client.
 *
 * @param prefix normalised key prefix
 * @param ttl lease TTL (rounded up to whole seconds when granted)
 * @param timeout bound of every blocking call: registrations, resolves, lease grants
 * @param endpoints for messages only; never holds credentials
 */
record EtcdConfig(String prefix, Duration ttl, Duration timeout, String endpoints) {
  long ttlSeconds() {
    return Math.max(1, (ttl.toMillis() + 999) / 1000);
  }

  /** How often the lease is refreshed: a third of the TTL, as etcd's own clients do. */
  Duration keepAliveInterval() {
    return Duration.ofMillis(Math.max(300, ttlSeconds() * 1000 / 3));
  }
}
