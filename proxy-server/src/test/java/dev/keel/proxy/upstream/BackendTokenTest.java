package dev.keel.proxy.upstream;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.PickArgs;
import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Persistence tokens decode to the instance id and pin through the balancer; no map of tokens. */
class BackendTokenTest {
  @Test
  void aTokenDecodesToItsInstanceIdAndPinsThatBackend() {
    try (RegistryClient registry = Registries.open("static://127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003");
        UpstreamPicker picker = UpstreamPicker.start(
            ListenerConfig.of("web", new HostPort("127.0.0.1", 0), "http", "static", "round-robin"), registry)) {
      for (Backend b : picker.backends()) {
        String id = Backend.instanceId(b.token());
        assertThat(id).isEqualTo(b.id());
        Backend pinned = requireNonNull(picker.pick(PickArgs.builder().pinned(id).strict(true).build()));
        assertThat(pinned).isSameAs(b); // the endpoint's one attached backend
        assertThat(b.inflight()).isEqualTo(1);
        pinned.endpoint().release();
      }
    }
  }

  @Test
  void malformedOrOverlongTokensNameNoInstance() {
    assertThat(Backend.instanceId("")).isNull();
    assertThat(Backend.instanceId("not base64!")).isNull();
    assertThat(Backend.instanceId("a".repeat(Backend.MAX_TOKEN + 1))).isNull();
  }

  @Test
  void aTokenNamingNoMemberFallsBackToThePolicyAndCountsNothingOnIt() {
    try (RegistryClient registry = Registries.open("static://127.0.0.1:9001");
        UpstreamPicker picker = UpstreamPicker.start(
            ListenerConfig.of("web", new HostPort("127.0.0.1", 0), "http", "static", "round-robin"), registry)) {
      String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("10.9.9.9:80".getBytes(StandardCharsets.US_ASCII));
      assertThat(picker.pick(PickArgs.builder().pinned(Backend.instanceId(forged)).strict(true).build())).isNull();
      Backend b = requireNonNull(picker.pick(PickArgs.builder().pinned(Backend.instanceId(forged)).build()));
      assertThat(b.addressText()).isEqualTo("127.0.0.1:9001");
      b.endpoint().release();
    }
  }
}
