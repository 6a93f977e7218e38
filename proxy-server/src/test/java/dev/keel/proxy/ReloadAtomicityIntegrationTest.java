package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.support.BlueGreen;
import dev.keel.proxy.support.ProxyProcess;
import dev.keel.testsupport.TestPki;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that fails leaves every running listener as it was, ports, services and certificates
 * alike; the next good reload applies. The probe's case: with a plain and a TLS listener running,
 * a reload whose TLS listener names a certificate that cannot be used closed the TLS port for good
 * (the old listener was stopped to hand its port over, and never restored).
 */
class ReloadAtomicityIntegrationTest {
  @TempDir Path dir;
  private BlueGreen services;
  private ProxyServer server;
  private int webPort;
  private int securePort;
  private TestPki.Authority ca;
  private TestPki.Leaf cert;
  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @BeforeEach
  void start() throws Exception {
    ca = new TestPki(dir).authority("ca");
    cert = ca.issue("proxy", "IP:127.0.0.1");
    services = new BlueGreen("reload-atomic");
    webPort = ProxyProcess.freePort();
    securePort = ProxyProcess.freePort();
    server = ProxyServer.start(config("blue", cert.cert(), cert.key(), "blue"));
  }

  @AfterEach
  void stop() {
    server.close(Duration.ofMillis(200));
    services.close();
  }

  private ProxyConfig config(String webService, Path certFile, Path keyFile, String secureService) {
    return loader.parse("registry: " + services.registryUri + "\nadmin: { enabled: false }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - { name: web, listen: 127.0.0.1:" + webPort + ", service: " + webService + " }\n"
        + "  - name: secure\n    listen: 127.0.0.1:" + securePort + "\n    service: " + secureService + "\n"
        + "    tls: { cert: " + certFile + ", key: " + keyFile + " }\n", null);
  }

  private String web() throws Exception {
    return BlueGreen.get(webPort, null).body();
  }

  private String secure() throws Exception {
    return BlueGreen.get(securePort, TestPki.clientContext(ca, null)).body();
  }

  @Test
  void aCertificateThatCannotBeUsedLeavesTheTlsListenerServing() throws Exception {
    assertThat(secure()).isEqualTo("blue");
    // Valid when the file was read, gone when the reload builds the listener (or never there).
    Path vanishing = Files.copy(cert.cert(), dir.resolve("vanishing.pem"));
    ProxyConfig next = config("green", vanishing, cert.key(), "green");
    Files.delete(vanishing);

    assertThatThrownBy(() -> server.reload(next)).hasMessageContaining("vanishing.pem");

    assertThat(secure()).as("the TLS listener, after the failed reload").isEqualTo("blue");
    assertThat(web()).as("the plain listener: the valid part of the edit is not applied either").isEqualTo("blue");
    assertThat(server.address("secure").getPort()).isEqualTo(securePort);

    server.reload(config("green", cert.cert(), cert.key(), "green"));
    assertThat(secure()).isEqualTo("green");
    assertThat(web()).isEqualTo("green");
  }

  @Test
  void aKeyOfAnotherCertificateLeavesEverythingAsItWas() throws Exception {
    Path key = Files.copy(cert.key(), dir.resolve("changing.key"));
    ProxyConfig next = config("green", cert.cert(), key, "green");
    Files.copy(ca.issue("other", "IP:127.0.0.1").key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> server.reload(next)).hasMessageContaining("changing.key");

    assertThat(secure()).isEqualTo("blue");
    assertThat(web()).isEqualTo("blue");
  }

  @Test
  void aTakenPortLeavesEverythingAsItWas() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int before = webPort;
      webPort = taken.getLocalPort();
      ProxyConfig next = config("green", cert.cert(), cert.key(), "green");
      webPort = before;

      assertThatThrownBy(() -> server.reload(next)).hasMessageContaining("cannot listen on");

      assertThat(web()).isEqualTo("blue");
      assertThat(secure()).as("not switched to green: the reload is all or nothing").isEqualTo("blue");
      assertThat(server.listeners()).hasSize(2);
    }
  }
}
