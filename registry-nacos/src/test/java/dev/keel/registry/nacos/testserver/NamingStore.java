package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.naming.pojo.Instance;
import com.alibaba.nacos.api.naming.pojo.ServiceInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The naming data of the test server, as Nacos 2.x keeps it for ephemeral instances: per service
 * (namespace, group, name), each connection publishes one list of instances (a single registration
 * is a list of one, a batch replaces the whole list), and the service's instances are the union.
 * Queries leave disabled instances out, as Nacos does. Thread-safe (one lock).
 */
final class NamingStore {
  private final Map<String, Map<String, List<Instance>>> services = new HashMap<>(); // guarded by this

  private static String key(String namespace, String group, String service) {
    return (namespace == null || namespace.isEmpty() ? "public" : namespace) + "##" + group + "@@" + service;
  }

  /** Replaces what {@code connection} publishes for the service (a single register is a list of one). */
  synchronized void publish(String connection, String namespace, String group, String service, List<Instance> list) {
    List<Instance> copies = new ArrayList<>();
    for (Instance i : list) {
      copies.add(copy(i, group, service));
    }
    services.computeIfAbsent(key(namespace, group, service), k -> new LinkedHashMap<>()).put(connection, copies);
  }

  /** Removes what {@code connection} publishes for the service. */
  synchronized void unpublish(String connection, String namespace, String group, String service) {
    Map<String, List<Instance>> byConnection = services.get(key(namespace, group, service));
    if (byConnection != null) {
      byConnection.remove(connection);
    }
  }

  synchronized ServiceInfo query(String namespace, String group, String service, String clusters, boolean healthyOnly) {
    Set<String> wanted = new LinkedHashSet<>();
    for (String c : (clusters == null ? "" : clusters).split(",")) {
      if (!c.isBlank()) {
        wanted.add(c.strip());
      }
    }
    List<Instance> hosts = new ArrayList<>();
    for (List<Instance> list : services.getOrDefault(key(namespace, group, service), Map.of()).values()) {
      for (Instance i : list) {
        if (i.isEnabled() && (wanted.isEmpty() || wanted.contains(i.getClusterName())) && (!healthyOnly || i.isHealthy())) {
          hosts.add(copy(i, group, service));
        }
      }
    }
    ServiceInfo info = new ServiceInfo();
    info.setName(service);
    info.setGroupName(group);
    info.setClusters(clusters);
    info.setHosts(hosts);
    info.setCacheMillis(10_000);
    info.setLastRefTime(System.currentTimeMillis());
    return info;
  }

  /** Forgets what a connection registered. */
  synchronized void removeConnection(String connection) {
    services.values().forEach(byConnection -> byConnection.remove(connection));
  }

  synchronized void clear() {
    services.clear();
  }

  /** A copy, completed as a Nacos server completes what clients send (grouped service name, id, cluster). */
  private static Instance copy(Instance i, String group, String service) {
    Instance c = new Instance();
    String cluster = i.getClusterName() == null || i.getClusterName().isEmpty() ? "DEFAULT" : i.getClusterName();
    String grouped = group + "@@" + service;
    c.setInstanceId(i.getIp() + "#" + i.getPort() + "#" + cluster + "#" + grouped);
    c.setIp(i.getIp());
    c.setPort(i.getPort());
    c.setWeight(i.getWeight());
    c.setHealthy(i.isHealthy());
    c.setEnabled(i.isEnabled());
    c.setEphemeral(i.isEphemeral());
    c.setClusterName(cluster);
    c.setServiceName(grouped);
    c.setMetadata(i.getMetadata() == null ? new HashMap<>() : new HashMap<>(i.getMetadata()));
    return c;
  }
}
