package dev.keel.spring;

import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * A {@link RestClient} (bean {@code keelRestClient}) that calls {@code http://orders/...} by service
 * name through the {@code keelOkHttpClient}, built from Spring Boot's {@code RestClient.Builder}
 * when there is one (so it has the application's message converters and customizers), and the
 * {@link KeelClientHttpRequestFactory} it uses, for building others.
 */
@AutoConfiguration(after = KeelAutoConfiguration.class,
    afterName = {"org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration",
        "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration"})
@ConditionalOnClass(RestClient.class)
@ConditionalOnBean(name = "keelOkHttpClient")
public class KeelRestClientAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  public KeelClientHttpRequestFactory keelClientHttpRequestFactory(@Qualifier("keelOkHttpClient") OkHttpClient client) {
    return new KeelClientHttpRequestFactory(client);
  }

  @Bean
  @ConditionalOnMissingBean(name = "keelRestClient")
  public RestClient keelRestClient(ObjectProvider<RestClient.Builder> builders, KeelClientHttpRequestFactory factory) {
    return builders.getIfAvailable(RestClient::builder).requestFactory(factory).build();
  }
}
