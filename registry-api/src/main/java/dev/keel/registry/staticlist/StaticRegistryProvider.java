package dev.keel.registry.staticlist;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code static://host:port[;weight=N][;key=value...],host:port}: a fixed list that every service
 * name resolves to. Registering is refused: there is nowhere to register.
 */
public final class StaticRegistryProvider implements RegistryProvider {
  @Override
  public String scheme() {
    return "static";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    return new StaticClient(entries(uri));
  }

  @Override
  public void validate(RegistryUri uri, RegistryOptions options) {
    entries(uri).forEach(e -> e.toInstance("static"));
  }

  private static List<Entry> entries(RegistryUri uri) {
    uri.requireKnownParams(Set.of());
    if (uri.authority().isEmpty()) {
      throw new IllegalArgumentException("static registry uri hosts: '' (expected: host:port[;weight=N],host:port...)");
    }
    List<Entry> entries = new ArrayList<>();
    for (String raw : uri.hostEntries()) {
      entries.add(Entry.parse(raw));
    }
    return List.copyOf(entries);
  }

  private static final class Entry {
    final RegistryUri.Address address;
    final int weight;
    final Map<String, String> metadata;

    Entry(RegistryUri.Address address, int weight, Map<String, String> metadata) {
      this.address = address;
      this.weight = weight;
      this.metadata = metadata;
    }

    static Entry parse(String raw) {
      String[] parts = raw.split(";");
      RegistryUri.Address address = RegistryUri.Address.parse(parts[0].strip(), 0);
      int weight = ServiceInstance.DEFAULT_WEIGHT;
      Map<String, String> metadata = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].strip();
        int eq = p.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("static entry attribute: '" + p + "' in '" + raw + "' (expected: key=value)");
        }
        String key = p.substring(0, eq);
        String value = p.substring(eq + 1);
        if (key.equals("weight")) {
          try {
            weight = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("weight: '" + value + "' in '" + raw + "' (expected: 0..10000)", e);
          }
        } else {
          metadata.put(key, value);
        }
      }
      return new Entry(address, weight, metadata);
    }

    ServiceInstance toInstance(String service) {
      return ServiceInstance.builder().service(service).host(address.host()).port(address.port())
          .weight(weight).metadata(metadata).build();
    }
  }

  private static final class StaticClient implements RegistryClient {
    private final List<Entry> entries;
    private volatile boolean closed;

    StaticClient(List<Entry> entries) {
      this.entries = entries;
      // Validate weights and hosts now, not on first resolve.
      entries.forEach(e -> e.toInstance("static"));
    }

    @Override
    public Registration register(ServiceInstance instance) {
      throw new UnsupportedOperationException("static:// registry is read-only: cannot register " + instance
          + " (use memory://, zookeeper://, etcd:// or nacos:// to register instances)");
    }

    @Override
    public InstanceSet resolve(String service) {
      if (closed) {
        throw new IllegalStateException("registry client is closed");
      }
      List<ServiceInstance> list = new ArrayList<>();
      entries.forEach(e -> list.add(e.toInstance(service)));
      return InstanceSet.of(service, list, 1);
    }

    @Override
    public Subscription watch(String service, Consumer<InstanceSet> listener) {
      listener.accept(resolve(service));
      return () -> { };
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
