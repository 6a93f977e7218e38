package dev.keel.registry.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.keel.registry.Durations;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;

/**
 * Builds ZooKeeper registry clients, the SPI-free way to get what {@code zookeeper://} opens.
 *
 * <pre>{@code
 * RegistryClient c = ZooKeeperRegistry.builder().connectString("zk1:2181,zk2:2181").build();
 * RegistryClient d = ZooKeeperRegistry.builder().curator(myCurator).basePath("/services").build();
 * }</pre>
 *
 * <p>Instances are kept as Curator x-discovery JSON under {@code basePath/service/id} (see the
 * module README). Ownership: a {@link CuratorFramework} passed in with {@link Builder#curator} must
 * be started, and is not closed by Keel; one Keel creates from a connect string is closed with the
 * client. Either way, closing the client deletes the nodes it registered and ends its watches.
 */
public final class ZooKeeperRegistry {
  /** The base path used when none is given. */
  public static final String DEFAULT_BASE_PATH = "/services";
  /** Payload class written by Curator's {@code JsonInstanceSerializer<Map>}: the default. */
  public static final String MAP_PAYLOAD = "java.util.LinkedHashMap";
  /** Payload class of Spring Cloud Zookeeper, which casts every payload to it. */
  public static final String SPRING_CLOUD_PAYLOAD = "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance";
  /** Payload class of Dubbo 3 application-level discovery, which casts every payload to it. */
  public static final String DUBBO_PAYLOAD = "org.apache.dubbo.registry.zookeeper.ZookeeperInstance";

  private ZooKeeperRegistry() {}

  public static Builder builder() {
    return new Builder();
  }

  /** The class name meant by {@code payload-class}: an alias ({@code map}, {@code spring-cloud}, {@code dubbo}) or a class name. */
  static String payloadClass(String nameOrAlias) {
    String v = nameOrAlias.strip();
    switch (v.toLowerCase(Locale.ROOT)) {
      case "map": case "curator": return MAP_PAYLOAD;
      case "spring-cloud": case "spring": return SPRING_CLOUD_PAYLOAD;
      case "dubbo": return DUBBO_PAYLOAD;
      default:
        if (!v.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
          throw new IllegalArgumentException("payload-class: '" + nameOrAlias
              + "' (expected: map, spring-cloud, dubbo or a fully qualified Java class name)");
        }
        return v;
    }
  }

  /** Builds a ZooKeeper {@link RegistryClient}; not thread-safe. */
  public static final class Builder {
    private @Nullable String connectString;
    private @Nullable CuratorFramework curator;
    private String basePath = DEFAULT_BASE_PATH;
    private @Nullable Duration sessionTimeout;
    private @Nullable Duration connectionTimeout;
    private @Nullable RetryPolicy retryPolicy;
    private @Nullable String user;
    private @Nullable String password;
    private String payloadClass = MAP_PAYLOAD;
    private RegistryOptions options = RegistryOptions.defaults();

    private Builder() {}

    /** ZooKeeper's {@code host:port[,host:port...]}; Keel then creates, starts and closes the Curator client. */
    public Builder connectString(String connectString) {
      this.connectString = requireNonNull(connectString, "connectString");
      return this;
    }

    /** A started Curator client to use instead of creating one; Keel does not close it. */
    public Builder curator(CuratorFramework curator) {
      this.curator = requireNonNull(curator, "curator");
      return this;
    }

    /** The parent of the service nodes; default {@code /services}. */
    public Builder basePath(String basePath) {
      requireNonNull(basePath, "basePath");
      String p = basePath.length() > 1 && basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
      try {
        PathUtils.validatePath(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("basePath: '" + basePath + "' (expected: a ZooKeeper path such as /services; "
            + e.getMessage() + ")", e);
      }
      this.basePath = p;
      return this;
    }

    /** The ZooKeeper session timeout asked for (the server bounds it); default 30 s. */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = millis("sessionTimeout", timeout);
      return this;
    }

    /** How long Curator waits for a connection before an operation fails; default 5 s. */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = millis("connectionTimeout", timeout);
      return this;
    }

    /** Curator's retry policy for failed operations; default exponential, 100 ms base, 5 retries, 2 s cap. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Digest credentials, sent as {@code addauth digest user:password}. Instance nodes are then
     * created writable by these credentials only and readable by all (so other clients can still
     * discover them).
     */
    public Builder digestAuth(String user, String password) {
      this.user = requireNonNull(user, "user");
      this.password = requireNonNull(password, "password");
      if (user.isEmpty() || user.indexOf(':') >= 0) {
        throw new IllegalArgumentException("user: '" + user + "' (expected: non-empty, no ':')");
      }
      return this;
    }

    /**
     * The {@code @class} written in each payload: {@link #MAP_PAYLOAD} (default),
     * {@link #SPRING_CLOUD_PAYLOAD}, {@link #DUBBO_PAYLOAD}, their aliases {@code map},
     * {@code spring-cloud}, {@code dubbo}, or any class name. Reading accepts every payload class.
     */
    public Builder payloadClass(String payloadClass) {
      this.payloadClass = ZooKeeperRegistry.payloadClass(requireNonNull(payloadClass, "payloadClass"));
      return this;
    }

    /** The guards' options and the resolve timeout, which also bounds {@code register}. */
    public Builder options(RegistryOptions options) {
      this.options = requireNonNull(options, "options");
      return this;
    }

    /** A client with the shared guards of {@link Registries} on. */
    public RegistryClient build() {
      return Registries.guard(buildRaw(), options);
    }

    /** The client without the guards; {@link ZooKeeperRegistryProvider} hands this to {@code Registries}. */
    RegistryClient buildRaw() {
      if ((connectString == null) == (curator == null)) {
        throw new IllegalArgumentException("zookeeper registry: set exactly one of connectString and curator");
      }
      if (curator != null) {
        if (sessionTimeout != null || connectionTimeout != null || retryPolicy != null || user != null) {
          throw new IllegalArgumentException("zookeeper registry: timeouts, retry policy and credentials belong to "
              + "the CuratorFramework passed in; set them there");
        }
        if (curator.getState() != CuratorFrameworkState.STARTED) {
          throw new IllegalArgumentException("curator: " + curator.getState() + " (expected: STARTED; call start() first)");
        }
        return new ZooKeeperRegistryClient(curator, false, basePath, payloadClass, options.resolveTimeout(),
            Duration.ofMillis(curator.getZookeeperClient().getConnectionTimeoutMs()), null);
      }
      Duration session = sessionTimeout != null ? sessionTimeout : Duration.ofSeconds(30);
      Duration connection = connectionTimeout != null ? connectionTimeout : Duration.ofSeconds(5);
      CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
          .connectString(connectString)
          .sessionTimeoutMs((int) session.toMillis())
          .connectionTimeoutMs((int) connection.toMillis())
          .retryPolicy(retryPolicy != null ? retryPolicy : new ExponentialBackoffRetry(100, 5, 2000));
      List<ACL> acl = null;
      if (user != null) {
        b.authorization("digest", (user + ":" + password).getBytes(UTF_8));
        acl = List.of(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS), new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
      }
      CuratorFramework created = b.build();
      created.start();
      return new ZooKeeperRegistryClient(created, true, basePath, payloadClass, options.resolveTimeout(), connection, acl);
    }

    private static Duration millis(String field, Duration d) {
      requireNonNull(d, field);
      if (d.toMillis() < 1 || d.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(field + ": " + Durations.format(d) + " (expected: 1ms..24d)");
      }
      return d;
    }
  }
}
