package dev.keel.registry.nacos;

import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 * <p>Nacos instances that are unhealthy or disabled are left out; a malformed one is skipped with a
 * warning. Stateless and thread-safe.
 */
final class InstanceMapping {
  /** The metadata key that carries Keel's instance id. */
  static final String ID_KEY = "keel.id";

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
    out.setMetadata(metadata);
    return out;
  }

  /**
   * The Keel instance of a Nacos instance of {@code service}, or null when it is not to be offered
   * (unhealthy, disabled, outside {@code clusters} when that is not empty) or is malformed.
   */
  static @Nullable ServiceInstance toKeel(String service, Instance nacos, Collection<String> clusters) {
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
      ServiceInstance.Builder b = ServiceInstance.builder().service(service)
          .host(nacos.getIp()).port(nacos.getPort()) // no ip: NPE, skipped below
          .weight(toKeelWeight(nacos.getWeight())).metadata(metadata);
      if (id != null && !id.isBlank()) {
        b.id(id);
      }
      return b.build();
    } catch (RuntimeException e) {
      log.warn("skipping a malformed Nacos instance of service '{}' ({}:{}): {}",
          service, nacos.getIp(), nacos.getPort(), e.getMessage());
      return null;
    }
  }

  /** The instance set of {@code service} from a Nacos list, filtered as {@link #toKeel} says. */
  static InstanceSet toSet(String service, @Nullable List<Instance> nacos, Collection<String> clusters, long revision) {
    List<ServiceInstance> out = new ArrayList<>();
    if (nacos != null) {
      for (Instance i : nacos) {
        if (i == null) {
          continue;
        }
        ServiceInstance k = toKeel(service, i, clusters);
        if (k != null) {
          out.add(k);
        }
      }
    }
    return InstanceSet.of(service, out, revision);
  }
}
