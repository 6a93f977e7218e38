package dev.keel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.client.KeelOkHttp;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.testsupport.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * HTTPS by service name between two Spring Boot applications: the callee serves a certificate issued
 * for its service name (only), the caller trusts the CA through a Spring SSL bundle named by {@code
 * keel.client.ssl-bundle}; a client with the JVM's default trust is refused with a clear error.
 */
class HttpsByNameStarterTest {
  @TempDir Path dir;

  @Test
  void aCallerTrustingTheCaThroughAnSslBundleCallsHttpsByName() throws Exception {
    TestCa ca = new TestCa(dir, "secure-orders", "dns:secure-orders");
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.caPem());
    String uri = SharedZooKeeper.uri("/https");
    try (ConfigurableApplicationContext callee = new SpringApplicationBuilder(TestApp.class).run(
            "--server.port=0", "--spring.main.banner-mode=off", "--spring.application.name=secure-orders",
            "--test.name=secure-orders-1", "--keel.registry.uri=" + uri, "--keel.registration.host=127.0.0.1",
            "--keel.registration.metadata.protocol=https", "--keel.registration.drain-delay=0s",
            "--spring.ssl.bundle.jks.server.keystore.location=" + dir.resolve("ca.p12").toUri(),
            "--spring.ssl.bundle.jks.server.keystore.password=changeit",
            "--spring.ssl.bundle.jks.server.keystore.type=PKCS12",
            "--spring.ssl.bundle.jks.server.key.alias=secure-orders",
            "--server.ssl.bundle=server");
         ConfigurableApplicationContext caller = new SpringApplicationBuilder(TestApp.class).run(
            "--server.port=0", "--spring.main.banner-mode=off", "--spring.application.name=https-caller",
            "--keel.registry.uri=" + uri, "--keel.registration.enabled=false",
            "--spring.ssl.bundle.pem.internal-ca.truststore.certificate=" + caPem.toUri(),
            "--keel.client.ssl-bundle=internal-ca");
         RegistryClient registry = Registries.open(uri);
         KeelOkHttp defaultTrust = KeelOkHttp.create(registry)) {
      assertThat(callee.isActive()).isTrue(); // it registered itself, over HTTPS with the bundle's key
      RestClient http = caller.getBean("keelRestClient", RestClient.class);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(http.get().uri("https://secure-orders/hello").retrieve().body(String.class)).isEqualTo("secure-orders-1"));

      // The JVM's default trust store does not know the CA: refused, saying which service and instance.
      RestClient noTrust = RestClient.builder()
          .requestFactory(new KeelClientHttpRequestFactory(defaultTrust.newClient())).build();
      assertThatThrownBy(() -> noTrust.get().uri("https://secure-orders/hello").retrieve().body(String.class))
          .isInstanceOf(ResourceAccessException.class)
          .cause().isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("secure-orders: instance 127.0.0.1:")
          .hasMessageContaining("TLS handshake failed while verifying 'secure-orders' (the service name)");
    }
  }
}
