package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One registered instance of a service: where it listens, its weight and its metadata.
 *
 * <p>Immutable and validated when built: a blank service or host, a port outside 1..65535 or a
 * weight outside 0..10000 is an {@link IllegalArgumentException} that names the field and the value.
 * Equality covers every field but the {@link #incarnation()}. The id defaults to {@code host:port}.
 */
public final class ServiceInstance {
  /** Weight given to an instance that does not say otherwise. */
  public static final int DEFAULT_WEIGHT = 100;
  /** Largest accepted weight. */
  public static final int MAX_WEIGHT = 10_000;
  /** Well-known metadata key: the availability zone. */
  public static final String ZONE = "zone";
  /** Well-known metadata key: the version of the software. */
  public static final String VERSION = "version";
  /** Well-known metadata key: the protocol spoken, such as {@code http}. */
  public static final String PROTOCOL = "protocol";
  /**
   * Well-known metadata key: how many long-lived client connections the instance holds, a
   * non-negative decimal integer, published by the instance itself ({@link ConnectionCountPublisher})
   * so that clients in different processes can even out their connections.
   */
  public static final String CONNECTIONS = "keel.connections";

  private final String service;
  private final String id;
  private final String host;
  private final int port;
  private final int weight;
  private final Map<String, String> metadata;
  private final String incarnation;

  private ServiceInstance(Builder b) {
    this.service = Validation.notBlank("service", b.service);
    this.host = Validation.host(b.host);
    this.port = Validation.port("port", b.port);
    this.weight = Validation.range("weight", b.weight, 0, MAX_WEIGHT);
    this.id = b.id == null ? hostPort(host, port) : Validation.id(b.id);
    this.metadata = Validation.metadata(b.metadata);
    this.incarnation = b.incarnation;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this instance's values. */
  public Builder toBuilder() {
    return new Builder().service(service).id(id).host(host).port(port).weight(weight).metadata(metadata)
        .incarnation(incarnation);
  }

  public String service() {
    return service;
  }

  public String id() {
    return id;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int weight() {
    return weight;
  }

  /** Immutable, never null; iteration is in key order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Which registration of this id this is, as the registry tells it; empty when it does not. Set by
   * the adapter that discovered the instance: a ZooKeeper node's registration time or creation, an
   * etcd key's create revision and lease, the stamp Keel writes in a Nacos instance's metadata. A
   * process that dies and registers the same id again is a new incarnation, which a balancer treats
   * as a new endpoint (no ejection carried over, slow start).
   *
   * <p>Left out of {@link #equals}: a discovered instance equals the one registered. An
   * {@link InstanceSet} compares incarnations, so a re-registration of an unchanged instance is a change.
   */
  public String incarnation() {
    return incarnation;
  }

  /** {@code host:port}, with an IPv6 literal in brackets. */
  public String address() {
    return hostPort(host, port);
  }

  /**
   * The long-lived connections the instance says it holds ({@link #CONNECTIONS} in its metadata);
   * −1 when it publishes none, or a value that is not a non-negative decimal integer.
   */
  public int publishedConnections() {
    String value = metadata.get(CONNECTIONS);
    if (value == null || value.isEmpty() || value.length() > 10) {
      return -1;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return -1;
      }
    }
    long n = Long.parseLong(value);
    return n > Integer.MAX_VALUE ? -1 : (int) n;
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServiceInstance)) {
      return false;
    }
    ServiceInstance that = (ServiceInstance) o;
    return port == that.port
        && weight == that.weight
        && service.equals(that.service)
        && id.equals(that.id)
        && host.equals(that.host)
        && metadata.equals(that.metadata);
  }

  @Override
  public int hashCode() {
    int h = service.hashCode();
    h = 31 * h + id.hashCode();
    h = 31 * h + host.hashCode();
    h = 31 * h + port;
    h = 31 * h + weight;
    return 31 * h + metadata.hashCode();
  }

  @Override
  public String toString() {
    return service + "/" + id + "@" + address() + (weight == DEFAULT_WEIGHT ? "" : " weight=" + weight)
        + (metadata.isEmpty() ? "" : " " + metadata);
  }

  /** Builds a {@link ServiceInstance}; not thread-safe. */
  public static final class Builder {
    private @Nullable String service;
    private @Nullable String id;
    private @Nullable String host;
    private int port;
    private int weight = DEFAULT_WEIGHT;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private String incarnation = "";

    private Builder() {}

    public Builder service(String service) {
      this.service = requireNonNull(service, "service");
      return this;
    }

    /** The instance id, unique within the service; defaults to {@code host:port}. */
    public Builder id(@Nullable String id) {
      this.id = id;
      return this;
    }

    public Builder host(String host) {
      this.host = requireNonNull(host, "host");
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** 0..10000; 0 keeps the instance registered but sends it nothing. */
    public Builder weight(int weight) {
      this.weight = weight;
      return this;
    }

    /** Replaces all metadata with a copy of {@code metadata}. */
    public Builder metadata(Map<String, String> metadata) {
      requireNonNull(metadata, "metadata");
      this.metadata.clear();
      metadata.forEach(this::putMetadata);
      return this;
    }

    public Builder putMetadata(String key, String value) {
      this.metadata.put(requireNonNull(key, "metadata key"), requireNonNull(value, "metadata[" + key + "]"));
      return this;
    }

    /**
     * Which registration this is ({@link ServiceInstance#incarnation()}): for adapters, from what
     * the registry stamps on a registration; empty (the default) when unknown. Ignored by
     * {@code register}.
     */
    public Builder incarnation(String incarnation) {
      this.incarnation = requireNonNull(incarnation, "incarnation");
      return this;
    }

    public ServiceInstance build() {
      return new ServiceInstance(this);
    }
  }

  /** Argument checks with messages of the form {@code "port: 70000 (expected: 1..65535)"}. */
  static final class Validation {
    private Validation() {}

    static String notBlank(String field, @Nullable String value) {
      if (value == null) {
        throw new IllegalArgumentException(field + ": null (expected: a non-blank string)");
      }
      if (value.isBlank()) {
        throw new IllegalArgumentException(field + ": '" + value + "' (expected: a non-blank string)");
      }
      if (!value.strip().equals(value) || hasControl(value)) {
        throw new IllegalArgumentException(
            field + ": '" + printable(value) + "' (expected: no surrounding white space or control characters)");
      }
      return value;
    }

    static String host(@Nullable String host) {
      String h = notBlank("host", host);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = notBlank("host", h.substring(1, h.length() - 1)); // "[]" is no host
      }
      for (int i = 0; i < h.length(); i++) {
        char c = h.charAt(i);
        if (c == '/' || c == ' ' || c == '@' || c == '[' || c == ']' || c == '?' || c == '#') {
          throw new IllegalArgumentException("host: '" + printable(h) + "' (expected: a host name or IP literal)");
        }
      }
      return h;
    }

    static String id(String id) {
      return notBlank("id", id);
    }

    static int port(String field, int port) {
      return range(field, port, 1, 65_535);
    }

    static int range(String field, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + ".." + max + ")");
      }
      return value;
    }

    static Map<String, String> metadata(Map<String, String> metadata) {
      for (String key : metadata.keySet()) {
        if (key.isEmpty() || hasControl(key)) {
          throw new IllegalArgumentException(
              "metadata key: '" + printable(key) + "' (expected: non-empty, no control characters)");
        }
      }
      return metadata.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    private static boolean hasControl(String s) {
      for (int i = 0; i < s.length(); i++) {
        if (Character.isISOControl(s.charAt(i))) {
          return true;
        }
      }
      return false;
    }

    static String printable(String s) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < s.length() && b.length() < 200; i++) {
        char c = s.charAt(i);
        if (Character.isISOControl(c)) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }
  }
}
