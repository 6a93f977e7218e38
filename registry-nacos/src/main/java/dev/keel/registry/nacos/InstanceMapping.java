package dev.keel.registry.nacos;

import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.HealthTracker;
import dev.keel.registry.internal.LogSafe;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps Keel instances to Nacos instances and back.
 *
 * <p>Weight: Keel's integer weight {@code w} (0..10000, default 100) is Nacos weight {@code w / 100.0}
 * (0.0..100.0, default 1.0), so that Keel's default and Nacos's default meet. Back, a Nacos weight
 * {@code x} is {@code round(x * 100)}, clamped to 0..10000: every Keel weight survives the round trip
 * exactly, and a weight set by another client (0.37) maps to the nearest Keel weight (37).
 *
 * <p>Id: Keel's id travels in the metadata key {@value #ID_KEY} (and as the Nacos instance id, which
 * servers may replace by their own); an instance without that key (registered by another client) gets
 * Keel's default id, {@code host:port}. The key is removed from the metadata Keel hands out.
 *
 * <p>Incarnation: the metadata key {@value #INCARNATION_KEY}, removed from the metadata like the id;
 * empty for instances registered by other clients.
 *
 * <p>Nacos instances that are unhealthy or disabled are left out; a malformed one is skipped and
 * reported (once per version, through the client's health tracker). Stateless and thread-safe.
 */
final class InstanceMapping {
  /** The metadata key that carries Keel's instance id. */
  static final String ID_KEY = "keel.id";
  /**
   * The metadata key that carries the incarnation: a stamp each Keel client makes when it is
   * created, so that a restarted process is told from the one before it. The Nacos server keeps no
   * registration time a client can read.
   */
  static final String INCARNATION_KEY = "keel.incarnation";

  private static final Logger log = LoggerFactory.getLogger(InstanceMapping.class);

  private InstanceMapping() {}

  /** Nacos weight of a Keel weight. */
  static double toNacosWeight(int keelWeight) {
    return keelWeight / 100.0;
  }

  /** Keel weight of a Nacos weight: nearest integer of {@code weight * 100}, clamped to 0..10000. */
  static int toKeelWeight(double nacosWeight) {
    if (Double.isNaN(nacosWeight) || nacosWeight <= 0) {
      return 0;
    }
    long w = Math.round(nacosWeight * 100.0);
    return (int) Math.min(ServiceInstance.MAX_WEIGHT, w);
  }

  /** The Nacos form of {@code instance}: ephemeral, healthy, enabled, in {@code cluster}. */
  static Instance toNacos(ServiceInstance instance, String cluster) {
    return toNacos(instance, cluster, "");
  }

  /** {@link #toNacos(ServiceInstance, String)}, stamped with {@code incarnation} unless it is empty. */
  static Instance toNacos(ServiceInstance instance, String cluster, String incarnation) {
    Instance out = new Instance();
    out.setInstanceId(instance.id());
    out.setIp(instance.host());
    out.setPort(instance.port());
    out.setWeight(toNacosWeight(instance.weight()));
    out.setHealthy(true);
    out.setEnabled(true);
    out.setEphemeral(true);
    out.setClusterName(cluster);
    Map<String, String> metadata = new HashMap<>(instance.metadata());
    metadata.put(ID_KEY, instance.id());
    if (!incarnation.isEmpty()) {
      metadata.put(INCARNATION_KEY, incarnation);
    }
    out.setMetadata(metadata);
    return out;
  }

  /**
   * The Keel instance of a Nacos instance of {@code service}, or null when it is not to be offered
   * (unhealthy, disabled, outside {@code clusters} when that is not empty) or is malformed.
   */
  static @Nullable ServiceInstance toKeel(String service, Instance nacos, Collection<String> clusters) {
    return toKeel(service, nacos, clusters, null);
  }

  /** {@link #toKeel(String, Instance, Collection)}, reporting a malformed instance to {@code health}. */
  static @Nullable ServiceInstance toKeel(String service, Instance nacos, Collection<String> clusters,
      @Nullable HealthTracker health) {
    if (!nacos.isHealthy() || !nacos.isEnabled()) {
      return null;
    }
    if (!clusters.isEmpty() && !clusters.contains(nacos.getClusterName())) {
      return null;
    }
    try {
      Map<String, String> metadata = new HashMap<>();
      if (nacos.getMetadata() != null) {
        nacos.getMetadata().forEach((k, v) -> {
          if (k != null && v != null) {
            metadata.put(k, v);
          }
        });
      }
      String id = metadata.remove(ID_KEY);
      String incarnation = metadata.remove(INCARNATION_KEY);
      ServiceInstance.Builder b = ServiceInstance.builder().service(service)
          .host(nacos.getIp()).port(nacos.getPort()) // no ip: NPE, skipped below
          .weight(toKeelWeight(nacos.getWeight())).metadata(metadata)
          .incarnation(incarnation == null ? "" : incarnation);
      if (id != null && !id.isBlank()) {
        b.id(id);
      }
      return b.build();
    } catch (RuntimeException e) {
      String entry = nacos.getIp() + ":" + nacos.getPort();
      if (health != null) {
        // Nacos pushes whole lists: the instance's own text tells one version from the next.
        health.malformed(service, entry, nacos.toString().hashCode(), String.valueOf(e.getMessage()));
      } else {
        log.warn("skipping a malformed Nacos instance of service {} ({}): {}", LogSafe.quote(service),
            LogSafe.escape(entry), LogSafe.escape(e.getMessage()));
      }
      return null;
    }
  }

  /** The instance set of {@code service} from a Nacos list, filtered as {@link #toKeel} says. */
  static InstanceSet toSet(String service, @Nullable List<Instance> nacos, Collection<String> clusters, long revision) {
    return toSet(service, nacos, clusters, revision, null);
  }

  /** {@link #toSet(String, List, Collection, long)}, reporting malformed instances to {@code health}. */
  static InstanceSet toSet(String service, @Nullable List<Instance> nacos, Collection<String> clusters, long revision,
      @Nullable HealthTracker health) {
    Map<String, ServiceInstance> byId = new LinkedHashMap<>();
    if (nacos != null) {
      for (Instance i : nacos) {
        if (i == null) {
          continue;
        }
        ServiceInstance k = toKeel(service, i, clusters, health);
        if (k != null) {
          byId.merge(k.id(), k, InstanceMapping::newer);
        }
      }
    }
    return InstanceSet.of(service, byId.values(), revision);
  }

  /**
   * Of two live registrations of one id, the newer incarnation. Nacos keeps one registration per
   * connection: a process killed and restarted registers its id again on a new connection while the
   * old one may still be open (it is, when the registering client outlives the process). The server
   * then lists both, in no particular order; the restarted process is the one to route to, or it
   * would inherit its predecessor's ejection. Stamps begin with their client's start time in hex
   * ({@link NacosRegistryClient}); stamps of another form lose to Keel's, then compare as text, so
   * the choice never depends on the order the server sent.
   */
  static ServiceInstance newer(ServiceInstance a, ServiceInstance b) {
    long ta = stampMillis(a.incarnation());
    long tb = stampMillis(b.incarnation());
    if (ta != tb) {
      return ta > tb ? a : b;
    }
    return a.incarnation().compareTo(b.incarnation()) >= 0 ? a : b;
  }

  /** The start time a Keel stamp begins with ({@code <hex millis>-<hex random>}), or -1. */
  private static long stampMillis(String incarnation) {
    int dash = incarnation.indexOf('-');
    if (dash <= 0 || dash > 16) {
      return -1;
    }
    try {
      return Long.parseUnsignedLong(incarnation, 0, dash, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
