package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.support.BlueGreen;
import dev.keel.proxy.support.ProxyProcess;
import dev.keel.proxy.transport.Transport;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reloads on the NIO transport, which cannot bind a new listener beside the old one on the same
 * port (no SO_REUSEPORT): the port is handed over, and only once everything else of the reload is
 * bound, so that a reload failing elsewhere never stops a running listener.
 */
class ReloadHandoverIntegrationTest {
  private BlueGreen services;
  private ProxyServer server;
  private int webPort;
  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @BeforeEach
  void start() throws Exception {
    System.setProperty("keel.proxy.transport", "nio");
    services = new BlueGreen("handover");
    webPort = ProxyProcess.freePort();
    server = ProxyServer.start(config("blue", ""));
    assertThat(server.transport()).isEqualTo(Transport.NIO);
  }

  @AfterEach
  void stop() {
    System.clearProperty("keel.proxy.transport");
    server.close(Duration.ofMillis(200));
    services.close();
  }

  private ProxyConfig config(String service, String moreListeners) {
    return loader.parse("registry: " + services.registryUri + "\nadmin: { enabled: false }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n  - { name: web, listen: 127.0.0.1:" + webPort + ", service: " + service + " }\n" + moreListeners, null);
  }

  private String web() throws Exception {
    return BlueGreen.get(webPort, null).body();
  }

  @Test
  void aChangedListenerTakesOverItsOwnPort() throws Exception {
    assertThat(web()).isEqualTo("blue");
    server.reload(config("green", ""));
    assertThat(web()).isEqualTo("green");
    assertThat(server.address("web").getPort()).isEqualTo(webPort);
  }

  @Test
  void aReloadFailingElsewhereNeverStopsTheListenerWhosePortWasToBeHandedOver() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      ProxyConfig next = config("green", "  - { name: extra, listen: 127.0.0.1:" + taken.getLocalPort() + ", service: blue }\n");
      assertThatThrownBy(() -> server.reload(next)).hasMessageContaining("'extra'").hasMessageContaining("cannot listen on");
    }
    assertThat(web()).isEqualTo("blue");
    assertThat(server.listeners()).hasSize(1);
  }
}
