package dev.keel.spring;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.client.KeelOkHttp;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/** The starter in a real Spring Boot web application against a real ZooKeeper. */
@SpringBootTest(classes = TestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.application.name=zk-orders",
    "test.name=zk-orders-1",
    "keel.registration.host=127.0.0.1",
    "keel.registration.weight=50",
    "keel.registration.metadata.zone=a",
    "keel.registration.metadata.version=1.2.3",
    "keel.services.zk-orders.policy=least-request",
    "keel.services.zk-orders.max-retries=1",
    "keel.client.read-timeout=5s",
    "management.endpoints.web.exposure.include=health",
    "management.endpoint.health.show-details=always",
    "spring.main.banner-mode=off"})
class ZooKeeperStarterTest {
  static RegistryClient observer;

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry props) throws Exception {
    String uri = SharedZooKeeper.uri("/starter-test");
    props.add("keel.registry.uri", () -> uri);
  }

  @BeforeAll
  static void openObserver() throws Exception {
    observer = Registries.open(SharedZooKeeper.uri("/starter-test"));
  }

  @AfterAll
  static void closeObserver() {
    observer.close();
  }

  @LocalServerPort int port;
  @Autowired KeelOkHttp keel;
  @Autowired RestClient keelRestClient;
  @Autowired MeterRegistry meters;
  @Autowired @Qualifier("keelHealthIndicator") HealthIndicator health;

  @Test
  void registersOnReadyWithTheActualPortWeightAndMetadata() {
    List<ServiceInstance> instances = observer.resolve("zk-orders").instances();

    assertThat(instances).hasSize(1);
    ServiceInstance me = instances.get(0);
    assertThat(me.host()).isEqualTo("127.0.0.1");
    assertThat(me.port()).isEqualTo(port);
    assertThat(me.id()).isEqualTo("127.0.0.1:" + port);
    assertThat(me.weight()).isEqualTo(50);
    assertThat(me.metadata()).containsEntry("zone", "a").containsEntry("version", "1.2.3");
  }

  @Test
  void theRestClientCallsByServiceNameWithThePropertiesBound() {
    String answer = keelRestClient.get().uri("http://zk-orders/hello").retrieve().body(String.class);

    assertThat(answer).isEqualTo("zk-orders-1");
    assertThat(requireNonNull(keel.balancer("zk-orders")).config().policy()).isEqualTo("least-request");
    assertThat(keel.serviceName("billing")).isEqualTo("billing"); // other single-label hosts stay services
    assertThat(meters.get("keel.client.requests").tag("service", "zk-orders").counter().count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void healthIsUpWithTheRegistrationAndShownByActuator() {
    Health h = health.health();

    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).containsEntry("service", "zk-orders").containsEntry("state", KeelRegistration.State.REGISTERED)
        .containsEntry("instance", "127.0.0.1:" + port).containsEntry("instances", 1);
    String json = RestClient.create().get().uri("http://127.0.0.1:" + port + "/actuator/health").retrieve().body(String.class);
    assertThat(json).contains("\"keel\":{\"status\":\"UP\"");
  }

  @Test
  void healthIsDownWhileTheRegistrationIsMissingFromTheRegistry() throws Exception {
    String node = "/starter-test/zk-orders/127.0.0.1:" + port;
    try (CuratorFramework other = CuratorFrameworkFactory.newClient(SharedZooKeeper.server().getConnectString(),
        new RetryOneTime(100))) {
      other.start();
      byte[] data = other.getData().forPath(node);
      other.delete().forPath(node); // someone removed this instance's node behind its back

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Health h = health.health();
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) h.getDetails().get("reason")).contains("is not in the registry's list of zk-orders");
      });

      other.create().forPath(node, data); // back, for the other tests of this context
      await().atMost(Duration.ofSeconds(10)).until(() -> health.health().getStatus().equals(Status.UP));
    }
  }

  @Test
  void theClientsMetersAreOnTheApplicationsRegistry() {
    keelRestClient.get().uri("http://zk-orders/hello").retrieve().body(String.class);

    assertThat(meters.find("keel.client.inflight").tag("service", "zk-orders").gauges()).isNotEmpty();
  }
}
