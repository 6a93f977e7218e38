package dev.keel.registry.nacos;

import static java.util.Objects.requireNonNull;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.common.Constants;
import dev.keel.registry.RegistryOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What a Nacos client is opened with, validated; turns into nacos-client {@link Properties}.
 *
 * <p>Files: nacos-client keeps its naming snapshots under {@code JM.SNAPSHOT.PATH} (default the home
 * directory, {@code ~/nacos/naming}) and, when it drives Logback or Log4j2, its log files under the
 * JVM-wide {@code JM.LOG.PATH} (default {@code ~/logs/nacos}). Keel sets {@code JM.SNAPSHOT.PATH} per
 * client to {@link #cacheDir()} and, when nobody set it before, the system property
 * {@code JM.LOG.PATH} to {@code <cache dir>/logs}, so nothing is written under the home directory.
 */
final class NacosSettings {
  /** Nacos's redo delay is 3 s; Keel restores registrations sooner, well within the empty-confirm delay. */
  static final String DEFAULT_REDO_DELAY_MILLIS = "1000";
  static final String SNAPSHOT_PATH = "JM.SNAPSHOT.PATH";
  static final String LOG_PATH = "JM.LOG.PATH";
  /** Room for Keel's own entries (id and incarnation stamp) and a short id: less could hold no instance. */
  static final int MIN_METADATA_LIMIT = 128;

  final String serverAddr;
  final String namespace;
  final String group;
  final @Nullable String cluster;
  final @Nullable String username;
  final @Nullable String password;
  final @Nullable String accessKey;
  final @Nullable String secretKey;
  final @Nullable Path cacheDir;
  /** The server's {@code nacos.naming.service.metadata.length}: characters of metadata keys and values per instance. */
  final int metadataLimit;
  final Map<String, String> extraProperties;
  final RegistryOptions options;

  NacosSettings(String serverAddr, @Nullable String namespace, @Nullable String group, @Nullable String cluster,
      @Nullable String username, @Nullable String password, @Nullable String accessKey, @Nullable String secretKey,
      @Nullable Path cacheDir, int metadataLimit, Map<String, String> extraProperties, RegistryOptions options) {
    this.serverAddr = requireNonNull(serverAddr, "serverAddr");
    if (serverAddr.isBlank()) {
      throw new IllegalArgumentException("serverAddr: '' (expected: host:port[,host:port...])");
    }
    this.namespace = namespace == null || namespace.isBlank() ? "" : NacosRules.namespace(namespace.strip());
    this.group = group == null || group.isBlank() ? Constants.DEFAULT_GROUP : NacosRules.group(group.strip());
    this.cluster = cluster == null || cluster.isEmpty() ? null : NacosRules.cluster(cluster);
    if (metadataLimit < MIN_METADATA_LIMIT) {
      throw new IllegalArgumentException("metadata-limit: " + metadataLimit + " (expected: at least " + MIN_METADATA_LIMIT
          + ", the server's nacos.naming.service.metadata.length; Nacos's default is 1024)");
    }
    this.metadataLimit = metadataLimit;
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("credentials: " + (username == null ? "password" : "username")
          + " given alone (expected: both username and password, or neither)");
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException("credentials: " + (accessKey == null ? "secret-key" : "access-key")
          + " given alone (expected: both access-key and secret-key, or neither)");
    }
    this.username = username;
    this.password = password;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.cacheDir = cacheDir;
    this.extraProperties = Map.copyOf(extraProperties);
    this.options = requireNonNull(options, "options");
  }

  /** The cluster instances are registered in: the configured one, else Nacos's {@code DEFAULT}. */
  String registrationCluster() {
    return cluster == null ? Constants.DEFAULT_CLUSTER_NAME : cluster;
  }

  /** The clusters discovery is limited to: the configured one, else all (empty). */
  List<String> discoveryClusters() {
    return cluster == null ? List.of() : List.of(cluster);
  }

  /** The configured cache directory, or null for a fresh one under the system temp directory. */
  @Nullable Path cacheDir() {
    return cacheDir;
  }

  /** nacos-client properties for a client whose files go under {@code dir}. Holds secrets: never log it. */
  Properties toProperties(Path dir) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(PropertyKeyConst.SERVER_ADDR, serverAddr);
    if (!namespace.isEmpty()) {
      p.put(PropertyKeyConst.NAMESPACE, namespace);
    }
    if (username != null && password != null) {
      p.put(PropertyKeyConst.USERNAME, username);
      p.put(PropertyKeyConst.PASSWORD, password);
    }
    if (accessKey != null && secretKey != null) {
      p.put(PropertyKeyConst.ACCESS_KEY, accessKey);
      p.put(PropertyKeyConst.SECRET_KEY, secretKey);
    }
    p.put(SNAPSHOT_PATH, dir.toString());
    p.put(LOG_PATH, dir.resolve("logs").toString());
    p.put(PropertyKeyConst.NAMING_LOAD_CACHE_AT_START, "false");
    // Keel's own guards hold back emptying pushes; nacos-client's protection would hide real ones.
    p.put(PropertyKeyConst.NAMING_PUSH_EMPTY_PROTECTION, "false");
    p.put(PropertyKeyConst.REDO_DELAY_TIME, DEFAULT_REDO_DELAY_MILLIS);
    p.put("namingRequestTimeout", Long.toString(options.resolveTimeout().toMillis()));
    p.putAll(extraProperties);
    Properties out = new Properties();
    out.putAll(p);
    return out;
  }

  @Override
  public String toString() {
    return "nacos://" + (username == null ? "" : username + ":***@") + serverAddr
        + "?namespace=" + namespace + "&group=" + group + (cluster == null ? "" : "&cluster=" + cluster)
        + (accessKey == null ? "" : "&access-key=***");
  }
}
