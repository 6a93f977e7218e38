package dev.keel.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.support.BlueGreen;
import dev.keel.proxy.support.ProxyProcess;
import dev.keel.testsupport.StderrCapture;
import dev.keel.testsupport.TestPki;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad edit of a running proxy's files, through the path an operator's edit takes
 * (the file on disk, the watcher, the loader, the reload): each one is refused and leaves every
 * running listener serving exactly as before (same ports, same services, same certificate); the
 * good edit after it applies. Each bad edit also carries a valid change (a listener's service),
 * which must not be applied either: a reload is all or nothing.
 */
class ReloadMatrixIntegrationTest {
  @TempDir Path dir;
  private TestPki.Authority ca;
  private Path liveCert;
  private Path liveKey;
  private Path file;
  private BlueGreen services;
  private String registryUri;
  private ProxyServer server;
  private ConfigWatcher watcher;
  private int webPort;
  private int securePort;

  /** One kind of bad edit: what it does to the files, and what the refusal says. */
  record BadEdit(String name, Edit edit, String logged) {
    @Override
    public String toString() {
      return name;
    }
  }

  interface Edit {
    void apply(ReloadMatrixIntegrationTest t, ServerSocket taken) throws Exception;
  }

  static Stream<Arguments> badEdits() {
    return Stream.of(
        new BadEdit("missing cert", (t, taken) -> t.write("green", t.dir.resolve("missing.pem"), t.webPort, t.registryUri, ""),
            "missing.pem"),
        new BadEdit("bad key", (t, taken) -> {
          Files.copy(t.ca.issue("other", "IP:127.0.0.1").key(), t.liveKey, StandardCopyOption.REPLACE_EXISTING);
          t.write("green", t.liveCert, t.webPort, t.registryUri, "");
        }, "it is another key"),
        new BadEdit("port taken", (t, taken) -> t.write("green", t.liveCert, taken.getLocalPort(), t.registryUri, ""),
            "cannot listen on"),
        new BadEdit("bad registry uri", (t, taken) -> t.write("green", t.liveCert, t.webPort, "etcd://127.0.0.1:2379?bogus=", ""),
            "'bogus': unknown for etcd://"),
        new BadEdit("unknown key", (t, taken) -> t.write("green", t.liveCert, t.webPort, t.registryUri, "bogus: 1\n"),
            "bogus: unknown key"),
        new BadEdit("config writable by others", (t, taken) -> {
          t.write("green", t.liveCert, t.webPort, t.registryUri, "");
          Files.setPosixFilePermissions(t.file, PosixFilePermissions.fromString("rw-rw-rw-"));
        }, "is writable by every user")).map(Arguments::of);
  }

  @BeforeEach
  void start() throws Exception {
    ca = new TestPki(dir).authority("ca");
    TestPki.Leaf first = ca.issue("first", "IP:127.0.0.1");
    liveCert = Files.copy(first.cert(), dir.resolve("live-cert.pem"));
    liveKey = Files.copy(first.key(), dir.resolve("live-key.pem"));
    services = new BlueGreen("reload-matrix");
    registryUri = services.registryUri;
    webPort = ProxyProcess.freePort();
    securePort = ProxyProcess.freePort();
    file = dir.resolve("proxy.yaml");
    write("blue", liveCert, webPort, registryUri, "");
    server = ProxyServer.start(new ConfigLoader(System::getenv).load(file));
    watcher = new ConfigWatcher(file, server);
  }

  @AfterEach
  void stop() {
    watcher.close();
    server.close(Duration.ofMillis(200));
    services.close();
  }

  void write(String service, Path cert, int port, String registryUri, String extra) throws Exception {
    Files.writeString(file, "registry: " + registryUri + "\nadmin: { enabled: false }\nworkers: 1\nshutdown-grace: 1s\n" + extra
        + "listeners:\n"
        + "  - { name: web, listen: 127.0.0.1:" + port + ", service: " + service + " }\n"
        + "  - name: secure\n    listen: 127.0.0.1:" + securePort + "\n    service: " + service + "\n"
        + "    tls: { cert: " + cert + ", key: " + liveKey + " }\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
  }

  private String web() throws Exception {
    return BlueGreen.get(webPort, null).body();
  }

  /** The secure listener's answer and the serial number of the certificate it presented. */
  private String secure() throws Exception {
    HttpResponse<String> r = BlueGreen.get(securePort, TestPki.clientContext(ca, null));
    BigInteger serial = ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    return r.body() + " " + serial;
  }

  @Test
  void aCertificateRotatedOnDiskIsPickedUpWholeOrNotAtAll() throws Exception {
    String before = secure();
    TestPki.Leaf rotated = ca.issue("rotated", "IP:127.0.0.1");
    try (StderrCapture logs = StderrCapture.start()) {
      // Half way through a rotation: the new certificate is there, its key not yet.
      Files.copy(rotated.cert(), liveCert, StandardCopyOption.REPLACE_EXISTING);
      assertThat(watcher.checkFiles()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
      assertThat(logs.linesContaining("config not reloaded (TLS file change)")).hasSize(1);
    }
    assertThat(secure()).as("the old certificate and key, still in use together").isEqualTo(before);
    Files.copy(rotated.key(), liveKey, StandardCopyOption.REPLACE_EXISTING);
    assertThat(watcher.checkFiles()).isEqualTo(ConfigWatcher.Outcome.APPLIED);
    assertThat(secure()).startsWith("blue ").isNotEqualTo(before);
    assertThat(watcher.checkFiles()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badEdits")
  void aBadEditChangesNothingAndTheNextGoodEditApplies(BadEdit bad) throws Exception {
    String secureBefore = secure();
    assertThat(web()).isEqualTo("blue");
    assertThat(secureBefore).startsWith("blue ");

    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); StderrCapture logs = StderrCapture.start()) {
      bad.edit().apply(this, taken);
      assertThat(watcher.checkFiles()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
      assertThat(logs.linesContaining("config not reloaded")).singleElement().asString().contains(bad.logged());
    }

    assertThat(web()).as("the plain listener after the refused edit").isEqualTo("blue");
    assertThat(secure()).as("the TLS listener: same service, same certificate").isEqualTo(secureBefore);
    assertThat(server.address("web").getPort()).isEqualTo(webPort);
    assertThat(server.address("secure").getPort()).isEqualTo(securePort);
    assertThat(server.listeners()).hasSize(2);

    // The good edit: the listeners move to green, and the certificate is rotated.
    TestPki.Leaf rotated = ca.issue("rotated", "IP:127.0.0.1");
    Files.copy(rotated.cert(), liveCert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(rotated.key(), liveKey, StandardCopyOption.REPLACE_EXISTING);
    write("green", liveCert, webPort, registryUri, "");
    assertThat(watcher.checkFiles()).isEqualTo(ConfigWatcher.Outcome.APPLIED);
    assertThat(web()).isEqualTo("green");
    String secureAfter = secure();
    assertThat(secureAfter).startsWith("green ").isNotEqualTo("green " + secureBefore.substring(5));
  }
}
