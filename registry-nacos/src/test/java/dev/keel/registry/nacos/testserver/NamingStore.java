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
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The naming data of the test server, as Nacos 2.x keeps it for ephemeral instances: per service
 * (namespace, group, name), each connection publishes one list of instances (a single registration
 * is a list of one, a batch replaces the whole list), and the service's instances are the union.
 * Every change pushes the new {@link ServiceInfo} to the subscribers of the service, through
 * {@code pusher}, in the order of the changes. Thread-safe (one lock).
 */
final class NamingStore {
  private final Map<String, ServiceData> services = new HashMap<>(); // guarded by this
  private final BiConsumer<String, ServiceInfo> pusher;

  /** @param pusher sends a push to a connection id; called under the lock, so it must only enqueue */
  NamingStore(BiConsumer<String, ServiceInfo> pusher) {
    this.pusher = pusher;
  }

  private static final class ServiceData {
    final String namespace;
    final String group;
    final String name;
    final Map<String, List<Instance>> byConnection = new LinkedHashMap<>();
    final Set<String> subscribers = new LinkedHashSet<>();

    ServiceData(String namespace, String group, String name) {
      this.namespace = namespace;
      this.group = group;
      this.name = name;
    }
  }

  static String namespace(String ns) {
    return ns == null || ns.isEmpty() ? "public" : ns;
  }

  private ServiceData data(String namespace, String group, String service) {
    String ns = namespace(namespace);
    return services.computeIfAbsent(ns + "##" + group + "@@" + service, k -> new ServiceData(ns, group, service));
  }

  /** Replaces what {@code connection} publishes for the service (a single register is a list of one). */
  synchronized void publish(String connection, String namespace, String group, String service, List<Instance> list) {
    ServiceData d = data(namespace, group, service);
    List<Instance> copies = new ArrayList<>();
    for (Instance i : list) {
      copies.add(copy(i, d));
    }
    d.byConnection.put(connection, copies);
    pushAll(d);
  }

  /** Removes what {@code connection} publishes for the service. */
  synchronized void unpublish(String connection, String namespace, String group, String service) {
    ServiceData d = data(namespace, group, service);
    if (d.byConnection.remove(connection) != null) {
      pushAll(d);
    }
  }

  synchronized ServiceInfo subscribe(String connection, String namespace, String group, String service, boolean on) {
    ServiceData d = data(namespace, group, service);
    if (on) {
      d.subscribers.add(connection);
      // As Nacos does, a new subscriber gets a push of the current data, after its response.
      pusher.accept(connection, info(d, "", false));
    } else {
      d.subscribers.remove(connection);
    }
    return info(d, "", false);
  }

  synchronized ServiceInfo query(String namespace, String group, String service, String clusters, boolean healthyOnly) {
    return info(data(namespace, group, service), clusters == null ? "" : clusters, healthyOnly);
  }

  /** Names of the services of a namespace and group that have instances, sorted. */
  synchronized List<String> serviceNames(String namespace, String group) {
    Set<String> out = new TreeSet<>();
    for (ServiceData d : services.values()) {
      if (d.namespace.equals(namespace(namespace)) && d.group.equals(group)
          && d.byConnection.values().stream().anyMatch(l -> !l.isEmpty())) {
        out.add(d.name);
      }
    }
    return new ArrayList<>(out);
  }

  /** Forgets a connection: its instances go (pushed to subscribers), its subscriptions too. */
  synchronized void removeConnection(String connection) {
    for (ServiceData d : services.values()) {
      d.subscribers.remove(connection);
      if (d.byConnection.remove(connection) != null) {
        pushAll(d);
      }
    }
  }

  /** Connections subscribed to a service of any namespace and group. */
  synchronized Set<String> subscribersOf(String service) {
    Set<String> out = new LinkedHashSet<>();
    services.values().stream().filter(d -> d.name.equals(service)).forEach(d -> out.addAll(d.subscribers));
    return out;
  }

  synchronized void clear() {
    services.clear();
  }

  private void pushAll(ServiceData d) {
    if (d.subscribers.isEmpty()) {
      return;
    }
    ServiceInfo info = info(d, "", false);
    for (String s : d.subscribers) {
      pusher.accept(s, info);
    }
  }

  private static ServiceInfo info(ServiceData d, String clusters, boolean healthyOnly) {
    Set<String> wanted = new LinkedHashSet<>();
    for (String c : clusters.split(",")) {
      if (!c.isBlank()) {
        wanted.add(c.strip());
      }
    }
    List<Instance> hosts = new ArrayList<>();
    for (List<Instance> list : d.byConnection.values()) {
      for (Instance i : list) {
        if ((wanted.isEmpty() || wanted.contains(i.getClusterName())) && (!healthyOnly || i.isHealthy())) {
          hosts.add(copy(i, d));
        }
      }
    }
    ServiceInfo info = new ServiceInfo();
    info.setName(d.name);
    info.setGroupName(d.group);
    info.setClusters(clusters);
    info.setHosts(hosts);
    info.setCacheMillis(10_000);
    info.setLastRefTime(System.currentTimeMillis());
    return info;
  }

  /** A copy, completed as a Nacos server completes what clients send (grouped service name, id, cluster). */
  private static Instance copy(Instance i, ServiceData d) {
    Instance c = new Instance();
    String cluster = i.getClusterName() == null || i.getClusterName().isEmpty() ? "DEFAULT" : i.getClusterName();
    String grouped = d.group + "@@" + d.name;
    c.setInstanceId(i.getInstanceId() == null || i.getInstanceId().isEmpty()
        ? i.getIp() + "#" + i.getPort() + "#" + cluster + "#" + grouped : i.getInstanceId());
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
