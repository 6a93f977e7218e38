package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.HealthTracker;
import java.time.Duration;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 23: what a call says when the registry is away, and service names with capitals. */
class KeelOkHttpRegistryTest {
  private final ClientFixture fixture = new ClientFixture();

  @AfterEach
  void close() throws Exception {
    fixture.closeAll();
  }

  @Test
  void aCallThroughAnUnreachableRegistryFailsWithTheCauseAndWhatWasLookedUp() {
    HealthTracker health = new HealthTracker("etcd://127.0.0.1:2399");
    health.unreachable("cannot connect to etcd: 127.0.0.1:2399: Connection refused");
    RegistryClient registry = Registries.guard(new UnreachableRegistry(health),
        RegistryOptions.builder().resolveTimeout(Duration.ofSeconds(30)).build());
    KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(registry));
    OkHttpClient http = fixture.http(keel);

    assertThatThrownBy(() -> ClientFixture.get(http, "http://hello/"))
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageStartingWith("hello: no instance available")
        .hasMessageContaining("service 'hello'")
        .hasMessageContaining("etcd://127.0.0.1:2399")
        .hasMessageContaining("unreachable")
        .hasMessageContaining("Connection refused")
        .hasCauseInstanceOf(RegistryException.class);
    registry.close();
  }

  @Test
  void aServiceRegisteredWithCapitalsIsReachedFromALowerCasedUrlHost() throws Exception {
    fixture.servers("OrderService", "o-1");
    KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(fixture.registry));
    OkHttpClient http = fixture.http(keel);

    assertThat(ClientFixture.body(http, "http://OrderService/")).isEqualTo("o-1"); // OkHttp asks for orderservice
  }

  @Test
  void anEmptyServiceSaysWhatWasLookedUpAndWhichNamesDifferOnlyInCase() throws Exception {
    fixture.servers("Billing", "b-1");
    fixture.servers("BILLING", "b-2");
    KeelOkHttp keel = fixture.keel(KeelOkHttp.builder(fixture.registry));
    OkHttpClient http = fixture.http(keel);

    assertThatThrownBy(() -> ClientFixture.get(http, "http://billing/"))
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageContaining("service 'billing'")
        .hasMessageContaining("no instance registered")
        .hasMessageContaining("lower-cases")
        .hasMessageContaining("'BILLING', 'Billing'");
  }

  /** A raw adapter whose registry cannot be reached: every read fails, its health says why. */
  private static final class UnreachableRegistry implements RegistryClient {
    private final HealthTracker health;

    UnreachableRegistry(HealthTracker health) {
      this.health = health;
    }

    @Override
    public Registration register(ServiceInstance instance) {
      throw new RegistryException("unreachable");
    }

    @Override
    public InstanceSet resolve(String service) {
      throw new RegistryException("unreachable");
    }

    @Override
    public Subscription watch(String service, Consumer<InstanceSet> listener) {
      return () -> { };
    }

    @Override
    public RegistryHealth health() {
      return health.health();
    }

    @Override
    public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
      return health.onChange(listener);
    }

    @Override
    public void close() {
      health.closed();
    }

    @Override
    public String toString() {
      return "etcd://127.0.0.1:2399";
    }
  }
}
