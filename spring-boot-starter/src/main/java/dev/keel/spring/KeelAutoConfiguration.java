package dev.keel.spring;

import dev.keel.client.ClientMetrics;
import dev.keel.client.KeelOkHttp;
import dev.keel.client.ServicePolicy;
import dev.keel.client.micrometer.MicrometerClientMetrics;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Keel's beans: the {@link RegistryClient} ({@code keel.registry.uri}), this application's
 * registration ({@link KeelRegistration}), and the client that calls services by name ({@link
 * KeelOkHttp} and an {@link OkHttpClient} with Keel installed, bean {@code keelOkHttpClient}).
 *
 * <p>Every bean backs off when the application defines its own of the same type (or name, for the
 * {@code OkHttpClient}). Beans made here are closed with the context, in dependency order: the
 * registration first (before the web server stops, see {@link KeelRegistration}), then the
 * clients, then the registry.
 */
@AutoConfiguration
@EnableConfigurationProperties(KeelProperties.class)
public class KeelAutoConfiguration {
  /** The registry named by {@code keel.registry.uri}; closed (everything it registered goes) with the context. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  @ConditionalOnProperty("keel.registry.uri")
  public RegistryClient keelRegistryClient(KeelProperties properties) {
    String uri = properties.getRegistry().getUri();
    try {
      return Registries.open(uri == null ? "" : uri);
    } catch (RuntimeException e) {
      throw new IllegalStateException("keel.registry.uri: '" + uri + "' could not be opened: " + e.getMessage(), e);
    }
  }

  /** Registers this application when it is ready; deregisters first at shutdown. */
  @Bean
  @ConditionalOnBean(RegistryClient.class)
  @ConditionalOnMissingBean
  @ConditionalOnProperty(value = "keel.registration.enabled", matchIfMissing = true)
  public KeelRegistration keelRegistration(RegistryClient registry, KeelProperties properties, Environment environment) {
    return new KeelRegistration(registry, properties.getRegistration(), environment);
  }

  /** The client's meters on the application's Micrometer registry, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static class Micrometer {
    @Bean
    @ConditionalOnMissingBean(ClientMetrics.class)
    ClientMetrics keelMicrometerClientMetrics(ObjectProvider<MeterRegistry> meterRegistry) {
      MeterRegistry registry = meterRegistry.getIfAvailable();
      return registry != null ? MicrometerClientMetrics.of(registry) : ClientMetrics.none();
    }
  }

  /** No meters: Micrometer is not on the class path. */
  @Bean
  @ConditionalOnMissingBean
  public ClientMetrics keelClientMetrics() {
    return ClientMetrics.none();
  }

  /** Calls by service name: one balancer per service, with the policies of {@code keel.services}. */
  @Bean(destroyMethod = "close")
  @ConditionalOnBean(RegistryClient.class)
  @ConditionalOnMissingBean
  @ConditionalOnProperty(value = "keel.client.enabled", matchIfMissing = true)
  public KeelOkHttp keelOkHttp(RegistryClient registry, KeelProperties properties, ClientMetrics metrics) {
    KeelProperties.Client client = properties.getClient();
    KeelOkHttp.Builder b = KeelOkHttp.builder(registry)
        .singleLabelHosts(client.isSingleLabelHosts())
        .defaultPolicy(client.getDefaults().toPolicy("keel.client.defaults"))
        .metrics(metrics);
    for (Map.Entry<String, ServiceProperties> e : properties.getServices().entrySet()) {
      ServicePolicy policy = e.getValue().toPolicy("keel.services." + e.getKey());
      b.service(e.getKey(), policy);
    }
    return b.build();
  }

  /**
   * An {@link OkHttpClient} with Keel installed, the timeouts of {@code keel.client}, the trust of
   * {@code keel.client.ssl-bundle}, and whatever {@link KeelOkHttpClientCustomizer} beans set.
   */
  @Bean
  @ConditionalOnBean(KeelOkHttp.class)
  @ConditionalOnMissingBean(name = "keelOkHttpClient")
  public OkHttpClient keelOkHttpClient(KeelOkHttp keel, KeelProperties properties,
      ObjectProvider<SslBundles> sslBundles, ObjectProvider<KeelOkHttpClientCustomizer> customizers) {
    KeelProperties.Client client = properties.getClient();
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .connectTimeout(client.getConnectTimeout())
        .readTimeout(client.getReadTimeout())
        .writeTimeout(client.getWriteTimeout())
        .callTimeout(client.getCallTimeout());
    String bundle = client.getSslBundle();
    if (bundle != null) {
      SslBundleTrust.apply(b, bundle, sslBundles.getIfAvailable());
    }
    customizers.orderedStream().forEach(c -> c.customize(b));
    return keel.install(b).build(); // after the customizers: Keel wraps their Dns and TLS settings
  }

  /** Shuts down the {@code keelOkHttpClient}'s dispatcher and closes its pooled connections with the context. */
  @Bean
  @ConditionalOnBean(name = "keelOkHttpClient")
  public OkHttpClientShutdown keelOkHttpClientShutdown(@Qualifier("keelOkHttpClient") OkHttpClient client) {
    return new OkHttpClientShutdown(client);
  }
}
