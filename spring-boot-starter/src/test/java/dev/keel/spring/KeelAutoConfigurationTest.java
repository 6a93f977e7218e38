package dev.keel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.client.ClientMetrics;
import dev.keel.client.KeelOkHttp;
import dev.keel.registry.RegistryClient;
import java.time.Duration;
import java.util.UUID;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/** Which beans the starter makes, and how it fails on bad properties (no web server, memory:// registries). */
class KeelAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(KeelAutoConfiguration.class, KeelRestClientAutoConfiguration.class,
          KeelHealthAutoConfiguration.class))
      .withPropertyValues("keel.registry.uri=memory://starter-" + UUID.randomUUID(), "spring.application.name=orders");

  @Test
  void makesTheRegistryClientAndRestClientBeans() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(RegistryClient.class).hasSingleBean(KeelOkHttp.class)
          .hasSingleBean(ClientMetrics.class).hasBean("keelOkHttpClient").hasBean("keelRestClient")
          .hasSingleBean(KeelClientHttpRequestFactory.class).hasSingleBean(KeelRegistration.class)
          .hasBean("keelHealthIndicator");
      assertThat(context.getBean("keelRestClient")).isInstanceOf(RestClient.class);
    });
  }

  @Test
  void makesNothingWithoutARegistryUri() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KeelAutoConfiguration.class,
            KeelRestClientAutoConfiguration.class, KeelHealthAutoConfiguration.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RegistryClient.class)
            .doesNotHaveBean(KeelOkHttp.class).doesNotHaveBean("keelRestClient").doesNotHaveBean(KeelRegistration.class));
  }

  @Test
  void clientAndRegistrationCanBeTurnedOff() {
    runner.withPropertyValues("keel.client.enabled=false", "keel.registration.enabled=false").run(context ->
        assertThat(context).hasSingleBean(RegistryClient.class).doesNotHaveBean(KeelOkHttp.class)
            .doesNotHaveBean(OkHttpClient.class).doesNotHaveBean(KeelRegistration.class));
  }

  @Test
  void timeoutsAreBoundOntoTheOkHttpClient() {
    runner.withPropertyValues("keel.client.connect-timeout=750ms", "keel.client.call-timeout=9s").run(context -> {
      OkHttpClient client = context.getBean("keelOkHttpClient", OkHttpClient.class);
      assertThat(client.connectTimeoutMillis()).isEqualTo(750);
      assertThat(client.callTimeoutMillis()).isEqualTo(9000);
      assertThat(client.readTimeoutMillis()).isEqualTo(10_000);
    });
  }

  @Test
  void onlyListedServicesAreServicesWhenSingleLabelHostsIsOff() {
    runner.withPropertyValues("keel.client.single-label-hosts=false", "keel.services.orders.policy=random").run(context -> {
      KeelOkHttp keel = context.getBean(KeelOkHttp.class);
      assertThat(keel.serviceName("orders")).isEqualTo("orders");
      assertThat(keel.serviceName("billing")).isNull();
    });
  }

  @Test
  void anOutOfRangeServiceSettingFailsStartUpNamingTheProperty() {
    runner.withPropertyValues("keel.services.orders.max-retries=42").run(context ->
        assertThat(context).getFailure().rootCause()
            .hasMessage("keel.services.orders: maxRetries: 42 (expected: 0..10)"));
  }

  @Test
  void anUnknownPolicyFailsStartUpNamingTheProperty() {
    runner.withPropertyValues("keel.client.defaults.policy=fastest").run(context ->
        assertThat(context).getFailure().rootCause().hasMessageStartingWith("keel.client.defaults: ")
            .hasMessageContaining("fastest"));
  }

  @Test
  void aTlsServerNameThatIsAnAddressFailsStartUp() {
    runner.withPropertyValues("keel.services.orders.tls-server-name=10.0.0.7").run(context ->
        assertThat(context).getFailure().rootCause().hasMessage("keel.services.orders: tlsServerName: '10.0.0.7' "
            + "(expected: a DNS name, not an IP address, which SNI cannot carry)"));
  }

  @Test
  void aWeightOutOfRangeFailsStartUpNamingTheProperty() {
    runner.withPropertyValues("keel.registration.weight=20000").run(context ->
        assertThat(context).getFailure().rootCause().hasMessage("keel.registration.weight: 20000 (expected: 0..10000)"));
  }

  @Test
  void registeringWithoutAServiceNameFailsStartUp() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KeelAutoConfiguration.class))
        .withPropertyValues("keel.registry.uri=memory://starter-" + UUID.randomUUID())
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageStartingWith("keel.registration.service: not set, nor is spring.application.name"));
  }

  @Test
  void anUnknownRegistrySchemeFailsStartUpNamingTheProperty() {
    runner.withPropertyValues("keel.registry.uri=nope://somewhere").run(context ->
        assertThat(context).getFailure().hasRootCauseInstanceOf(IllegalArgumentException.class)
            .rootCause().hasMessageContaining("nope"));
  }

  @Test
  void withoutAWebServerNothingIsRegisteredUnlessAPortIsGiven() {
    runner.run(context -> {
      ready(context);
      assertThat(context.getBean(KeelRegistration.class).state()).isEqualTo(KeelRegistration.State.PENDING);
    });
    runner.withPropertyValues("keel.registration.port=7001", "keel.registration.host=127.0.0.1").run(context -> {
      ready(context);
      KeelRegistration registration = context.getBean(KeelRegistration.class);
      assertThat(registration.state()).isEqualTo(KeelRegistration.State.REGISTERED);
      assertThat(context.getBean(RegistryClient.class).resolve("orders").instances())
          .extracting(i -> i.host() + ":" + i.port()).containsExactly("127.0.0.1:7001");
    });
  }

  @Test
  void refusingTrafficDeregistersAndAcceptingItAgainRegistersAgain() {
    runner.withPropertyValues("keel.registration.port=7002", "keel.registration.host=127.0.0.1").run(context -> {
      ready(context);
      KeelRegistration registration = context.getBean(KeelRegistration.class);
      RegistryClient registry = context.getBean(RegistryClient.class);

      HealthIndicator health = context.getBean("keelHealthIndicator", HealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);

      AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
      assertThat(registration.state()).isEqualTo(KeelRegistration.State.DEREGISTERED);
      assertThat(registry.resolve("orders").instances()).isEmpty();
      assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

      AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
      assertThat(registration.state()).isEqualTo(KeelRegistration.State.REGISTERED);
      assertThat(registry.resolve("orders").instances()).hasSize(1);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    });
  }

  @Test
  void enablingRegistrationWithoutAWebServerOrPortFailsWhenReady() {
    runner.withPropertyValues("keel.registration.enabled=true").run(context -> {
      Throwable failure = catchThrowable(() -> ready(context));
      assertThat(failure).hasMessageStartingWith("keel.registration.port: not set, and no web server runs");
    });
  }

  private static void ready(ConfigurableApplicationContext context) {
    context.publishEvent(new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
  }
}
