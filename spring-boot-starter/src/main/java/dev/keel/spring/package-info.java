/**
 * Spring Boot auto-configuration for Keel: {@code keel.registry.uri} opens a {@code RegistryClient};
 * the application registers when ready and deregisters first at shutdown ({@link
 * dev.keel.spring.KeelRegistration}); {@code KeelOkHttp}, {@code OkHttpClient} and {@code RestClient}
 * beans call other services by name; an Actuator health indicator and the client's Micrometer
 * meters. See {@link dev.keel.spring.KeelProperties} for every property.
 */
@NullMarked
package dev.keel.spring;

import org.jspecify.annotations.NullMarked;
