package dev.keel.spring;

import dev.keel.registry.RegistryClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * The Actuator health indicator {@code keel} ({@link KeelHealthIndicator}), with Spring Boot 3's
 * Actuator on the class path; {@code management.health.keel.enabled=false} turns it off. Spring
 * Boot 4 moved the health API to another package, so there this configuration does not load.
 */
@AutoConfiguration(after = KeelAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.AbstractHealthIndicator")
@ConditionalOnBean(RegistryClient.class)
@ConditionalOnProperty(value = "management.health.keel.enabled", matchIfMissing = true)
public class KeelHealthAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean(name = "keelHealthIndicator")
  KeelHealthIndicator keelHealthIndicator(RegistryClient registry, ObjectProvider<KeelRegistration> registration) {
    return new KeelHealthIndicator(registry, registration.getIfAvailable());
  }
}
