package dev.keel.registry.nacos;

import static java.util.Objects.requireNonNull;

import com.alibaba.nacos.api.naming.NamingService;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryUri;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Opens Keel registry clients on Nacos 2.x through nacos-client, without the URI:
 * <pre>{@code
 * RegistryClient registry = NacosRegistry.builder()
 *     .serverAddr("10.0.0.5:8848").namespace("prod").group("shop")
 *     .build();
 * }</pre>
 *
 * <p>Instances are registered as Nacos ephemeral instances of service {@code name} in the configured
 * namespace (default {@code public}), group (default {@code DEFAULT_GROUP}) and cluster (default
 * {@code DEFAULT}); discovery sees all clusters unless one is configured. Weights and ids are mapped
 * as {@code InstanceMapping} documents (Keel 100 is Nacos 1.0). One Keel client holds one Nacos
 * connection; Nacos keeps one registration entry per service per connection, so Keel sends the full
 * list of its instances of a service (a batch registration) on every change.
 *
 * <p>Ownership: a {@link NamingService} passed to {@link Builder#namingService} is used as is and
 * not shut down by Keel (it must not register instances of the services Keel registers itself); one
 * Keel creates is shut down when the client closes. Every client returned is wrapped with the shared
 * guards ({@link Registries#guard}).
 */
public final class NacosRegistry {
  /** URI query parameters this adapter reads, besides those common to every scheme. */
  static final Set<String> PARAMS = Set.of("namespace", "group", "cluster", "access-key", "secret-key", "cache-dir",
      "metadata-limit");

  private final NacosSettings settings;
  private final @Nullable NamingService namingService;

  private NacosRegistry(NacosSettings settings, @Nullable NamingService namingService) {
    this.settings = settings;
    this.namingService = namingService;
  }

  public static Builder builder() {
    return new Builder();
  }

  static NacosRegistry fromUri(RegistryUri uri, RegistryOptions options) {
    uri.requireKnownParams(PARAMS);
    if (!uri.path().isEmpty() && !uri.path().equals("/")) {
      throw new IllegalArgumentException("nacos registry uri path: '" + uri.path()
          + "' (expected: none; use ?namespace=..&group=..)");
    }
    String servers = uri.addresses(8848).stream().map(RegistryUri.Address::toString).collect(Collectors.joining(","));
    String dir = uri.param("cache-dir");
    return new NacosRegistry(new NacosSettings(servers, uri.param("namespace"), uri.param("group"),
        uri.param("cluster"), uri.username(), uri.username() == null ? null : nullToEmpty(uri.password()),
        emptyToNull(uri.param("access-key")), emptyToNull(uri.param("secret-key")),
        dir == null || dir.isEmpty() ? null : Path.of(dir),
        uri.intParam("metadata-limit", NacosRules.DEFAULT_METADATA_LIMIT, NacosSettings.MIN_METADATA_LIMIT, Integer.MAX_VALUE),
        Map.of(), options), null);
  }

  private static @Nullable String emptyToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String nullToEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }

  /** The raw (unguarded) client. */
  NacosRegistryClient openRaw() {
    return namingService == null ? NacosRegistryClient.create(settings) : NacosRegistryClient.wrap(settings, namingService);
  }

  /** Builds a Nacos-backed {@link RegistryClient}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String serverAddr;
    private @Nullable String namespace;
    private @Nullable String group;
    private @Nullable String cluster;
    private @Nullable String username;
    private @Nullable String password;
    private @Nullable String accessKey;
    private @Nullable String secretKey;
    private @Nullable Path cacheDir;
    private int metadataLimit = NacosRules.DEFAULT_METADATA_LIMIT;
    private @Nullable NamingService namingService;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private RegistryOptions options = RegistryOptions.defaults();

    private Builder() {}

    /** {@code host:port[,host:port...]}, the servers' HTTP port (gRPC is that port + 1000). */
    public Builder serverAddr(String serverAddr) {
      this.serverAddr = requireNonNull(serverAddr, "serverAddr");
      return this;
    }

    /** The namespace id; default {@code public}. */
    public Builder namespace(String namespace) {
      this.namespace = requireNonNull(namespace, "namespace");
      return this;
    }

    /** The group; default {@code DEFAULT_GROUP}. */
    public Builder group(String group) {
      this.group = requireNonNull(group, "group");
      return this;
    }

    /** The cluster to register in and to limit discovery to; default: register in {@code DEFAULT}, see all. */
    public Builder cluster(String cluster) {
      this.cluster = requireNonNull(cluster, "cluster");
      return this;
    }

    /** Nacos user name and password (the server's login). */
    public Builder credentials(String username, String password) {
      this.username = requireNonNull(username, "username");
      this.password = requireNonNull(password, "password");
      return this;
    }

    /** Access key and secret key (signed requests). */
    public Builder accessKey(String accessKey, String secretKey) {
      this.accessKey = requireNonNull(accessKey, "accessKey");
      this.secretKey = requireNonNull(secretKey, "secretKey");
      return this;
    }

    /**
     * Where nacos-client keeps its files (naming snapshots; logs when nobody set {@code JM.LOG.PATH}).
     * Default: a fresh directory under {@code java.io.tmpdir}, deleted when the client closes.
     */
    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = requireNonNull(cacheDir, "cacheDir");
      return this;
    }

    /**
     * The server's {@code nacos.naming.service.metadata.length}, default 1024: how many characters of
     * metadata keys and values it accepts per instance. Raise it only with the server's.
     */
    public Builder metadataLimit(int metadataLimit) {
      this.metadataLimit = metadataLimit;
      return this;
    }

    /** A nacos-client property, set after (and so over) Keel's own, such as {@code redoDelayTime}. */
    public Builder property(String key, String value) {
      properties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** A NamingService to use instead of creating one; Keel does not shut it down. */
    public Builder namingService(NamingService namingService) {
      this.namingService = requireNonNull(namingService, "namingService");
      return this;
    }

    /** The guards' options; their resolve timeout also bounds every Nacos request. */
    public Builder options(RegistryOptions options) {
      this.options = requireNonNull(options, "options");
      return this;
    }

    /**
     * Opens the client, wrapped with the shared guards.
     *
     * @throws IllegalArgumentException when a setting is wrong, or no server address is given
     * @throws dev.keel.registry.RegistryException when nacos-client cannot be created
     */
    public RegistryClient build() {
      String servers = serverAddr;
      if (servers == null) {
        if (namingService == null) {
          throw new IllegalArgumentException("serverAddr: null (expected: host:port[,host:port...], or a namingService)");
        }
        servers = "(given NamingService)";
      }
      NacosSettings settings = new NacosSettings(servers, namespace, group, cluster, username, password,
          accessKey, secretKey, cacheDir, metadataLimit, properties, options);
      return Registries.guard(new NacosRegistry(settings, namingService).openRaw(), options);
    }
  }
}
