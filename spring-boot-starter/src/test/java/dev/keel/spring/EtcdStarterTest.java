package dev.keel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.etcd.EtcdServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The starter in a real Spring Boot web application against a real etcd. */
@SpringBootTest(classes = TestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=etcd-orders",
    "test.name=etcd-orders-1",
    "keel.registration.host=127.0.0.1",
    "keel.registration.metadata.zone=b",
    "spring.main.banner-mode=off"})
class EtcdStarterTest {
  @RegisterExtension static final EtcdServerExtension etcd = new EtcdServerExtension();

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry props) {
    props.add("keel.registry.uri", EtcdStarterTest::uri);
  }

  /** A shorter lookup timeout, so an unreachable etcd shows in 3 s rather than 5. */
  static String uri() {
    return "etcd://127.0.0.1:" + etcd.clientPort() + "?prefix=/starter&resolve-timeout=3s";
  }

  @LocalServerPort int port;
  @Autowired @Qualifier("keelHealthIndicator") HealthIndicator health;

  @Test
  void registersOnReadyAndReportsHealthWhileEtcdIsUpDownAndBack() throws Exception {
    try (RegistryClient observer = Registries.open(uri())) {
      List<ServiceInstance> instances = observer.resolve("etcd-orders").instances();
      assertThat(instances).extracting(ServiceInstance::port).containsExactly(port);
      assertThat(instances.get(0).metadata()).containsEntry("zone", "b");
    }
    assertThat(health.health().getStatus()).isEqualTo(Status.UP);

    etcd.stop();
    try {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Health h = health.health();
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
        // at once from the client's own view of the registry, without a lookup that waits
        assertThat(h.getDetails()).containsEntry("registryState", "unreachable");
        assertThat((String) h.getDetails().get("reason")).startsWith("the registry is unreachable: ");
      });
    } finally {
      etcd.start();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> health.health().getStatus().equals(Status.UP));
  }

  @Test
  void closingTheApplicationDeregistersIt() {
    ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApp.class).run(
        "--server.port=0", "--spring.main.banner-mode=off", "--spring.application.name=etcd-billing",
        "--keel.registry.uri=" + uri(), "--keel.registration.host=127.0.0.1", "--keel.registration.drain-delay=0s");
    int appPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    try (RegistryClient observer = Registries.open(uri())) {
      assertThat(observer.resolve("etcd-billing").instances()).extracting(ServiceInstance::port).containsExactly(appPort);

      app.close();

      assertThat(observer.resolve("etcd-billing").instances()).isEmpty();
    } finally {
      app.close();
    }
  }
}
