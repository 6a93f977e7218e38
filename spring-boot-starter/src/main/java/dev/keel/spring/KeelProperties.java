package dev.keel.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Keel's configuration, under {@code keel.}: the registry, this application's registration, and
 * the client that calls other services by name. Bound once at start-up; a bad value fails start-up
 * with the property's name.
 */
@ConfigurationProperties("keel")
public class KeelProperties {
  private final Registry registry = new Registry();
  private final Registration registration = new Registration();
  private final Client client = new Client();
  /** Per-service settings, by service name: policy, retries, stickiness, TLS name, health checks. */
  private final Map<String, ServiceProperties> services = new LinkedHashMap<>();

  public Registry getRegistry() {
    return registry;
  }

  public Registration getRegistration() {
    return registration;
  }

  public Client getClient() {
    return client;
  }

  public Map<String, ServiceProperties> getServices() {
    return services;
  }

  /** Which registry to open. */
  public static class Registry {
    /**
     * Registry URI: zookeeper://host:2181/services, etcd://host:2379?prefix=/keel,
     * nacos://host:8848, static://host:port,host:port or memory://name. The adapter for the scheme
     * must be on the class path (keel-registry-zookeeper, -etcd, -nacos). Unset: no RegistryClient
     * bean is made (define one yourself to use your own).
     */
    private @Nullable String uri;

    public @Nullable String getUri() {
      return uri;
    }

    public void setUri(@Nullable String uri) {
      this.uri = uri;
    }
  }

  /** How this application registers itself. */
  public static class Registration {
    /**
     * Whether to register this application. Unset: registers when a web server runs (its actual
     * port is registered).
     */
    private @Nullable Boolean enabled;
    /** The service name to register under. Default: spring.application.name. */
    private @Nullable String service;
    /** The instance id. Default: host:port. */
    private @Nullable String instanceId;
    /**
     * The address other services call. Default: server.address when it names one address, else the
     * first non-loopback IPv4 address of an interface that is up.
     */
    private @Nullable String host;
    /** The port other services call. Default: the port the web server actually listens on. */
    private @Nullable Integer port;
    /** The instance's weight, 0..10000 (0 keeps it listed but sends it nothing). */
    private int weight = 100;
    /** Metadata registered with the instance (zone, version, protocol, ...). */
    private final Map<String, String> metadata = new LinkedHashMap<>();
    /**
     * How long the application keeps serving after deregistering at shutdown, before the web server
     * stops taking requests, so that callers learn it is gone first. 0 turns the wait off.
     */
    private Duration drainDelay = Duration.ofSeconds(2);

    public @Nullable Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(@Nullable Boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getService() {
      return service;
    }

    public void setService(@Nullable String service) {
      this.service = service;
    }

    public @Nullable String getInstanceId() {
      return instanceId;
    }

    public void setInstanceId(@Nullable String instanceId) {
      this.instanceId = instanceId;
    }

    public @Nullable String getHost() {
      return host;
    }

    public void setHost(@Nullable String host) {
      this.host = host;
    }

    public @Nullable Integer getPort() {
      return port;
    }

    public void setPort(@Nullable Integer port) {
      this.port = port;
    }

    public int getWeight() {
      return weight;
    }

    public void setWeight(int weight) {
      this.weight = weight;
    }

    public Map<String, String> getMetadata() {
      return metadata;
    }

    public Duration getDrainDelay() {
      return drainDelay;
    }

    public void setDrainDelay(Duration drainDelay) {
      this.drainDelay = drainDelay;
    }
  }

  /** The client that calls services by name (KeelOkHttp, OkHttpClient, RestClient beans). */
  public static class Client {
    /** Whether to make the KeelOkHttp, OkHttpClient and RestClient beans. */
    private boolean enabled = true;
    /**
     * Whether every single-label host (http://orders/, no dot) is a Keel service. false: only the
     * services listed under keel.services are.
     */
    private boolean singleLabelHosts = true;
    /** Connect timeout of the OkHttpClient (OkHttp's default: 10s). */
    private Duration connectTimeout = Duration.ofSeconds(10);
    /** Read timeout of the OkHttpClient (OkHttp's default: 10s). */
    private Duration readTimeout = Duration.ofSeconds(10);
    /** Write timeout of the OkHttpClient (OkHttp's default: 10s). */
    private Duration writeTimeout = Duration.ofSeconds(10);
    /** Whole-call timeout of the OkHttpClient, retries included; 0 for none (OkHttp's default). */
    private Duration callTimeout = Duration.ZERO;
    /**
     * Name of a Spring SSL bundle (spring.ssl.bundle.*) whose trust material verifies HTTPS
     * services; unset: the JVM's default trust store.
     */
    private @Nullable String sslBundle;
    /** Settings of services that have none of their own under keel.services. */
    @NestedConfigurationProperty
    private final ServiceProperties defaults = new ServiceProperties();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public boolean isSingleLabelHosts() {
      return singleLabelHosts;
    }

    public void setSingleLabelHosts(boolean singleLabelHosts) {
      this.singleLabelHosts = singleLabelHosts;
    }

    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }

    public Duration getReadTimeout() {
      return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
      this.readTimeout = readTimeout;
    }

    public Duration getWriteTimeout() {
      return writeTimeout;
    }

    public void setWriteTimeout(Duration writeTimeout) {
      this.writeTimeout = writeTimeout;
    }

    public Duration getCallTimeout() {
      return callTimeout;
    }

    public void setCallTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
    }

    public @Nullable String getSslBundle() {
      return sslBundle;
    }

    public void setSslBundle(@Nullable String sslBundle) {
      this.sslBundle = sslBundle;
    }

    public ServiceProperties getDefaults() {
      return defaults;
    }
  }
}
