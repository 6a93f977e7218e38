package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyProcess;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.TestPki;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar reloads its config file, and the certificates it names, on SIGHUP and keeps serving. */
class SighupIntegrationTest {
  @TempDir Path dir;

  private static void awaitServing(HttpClient client, URI uri) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
  }

  @Test
  void sighupReloadsTheConfigFile() throws Exception {
    int port = ProxyProcess.freePort();
    try (TestBackend a = new TestBackend("a")) {
      Path cfg = Files.writeString(dir.resolve("proxy.yaml"), "registry: static://" + a.address() + "\n"
          + "admin: { enabled: false }\nworkers: 1\n"
          + "listeners: [ { name: web, listen: 127.0.0.1:" + port + ", service: demo } ]\n");
      try (ProxyProcess proxy = ProxyProcess.start(cfg, dir.resolve("proxy.log"))) {
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        awaitServing(client, uri);
        proxy.hangUp();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> proxy.log().contains("(SIGHUP)"));
        assertThat(proxy.log()).contains("config reloaded from " + cfg);
        assertThat(proxy.isAlive()).isTrue();
        assertThat(client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("a");
      }
    }
  }

  @Test
  void sighupReloadsRotatedCertificates() throws Exception {
    int port = ProxyProcess.freePort();
    TestPki.Authority ca = new TestPki(dir).authority("ca");
    TestPki.Leaf first = ca.issue("first", "IP:127.0.0.1");
    Path cert = Files.copy(first.cert(), dir.resolve("cert.pem"));
    Path key = Files.copy(first.key(), dir.resolve("key.pem"));
    try (TestBackend a = new TestBackend("a")) {
      Path cfg = Files.writeString(dir.resolve("proxy.yaml"), "registry: static://" + a.address() + "\n"
          + "admin: { enabled: false }\nworkers: 1\n"
          + "listeners: [ { name: web, listen: 127.0.0.1:" + port + ", service: demo, tls: { cert: " + cert + ", key: " + key + " } } ]\n");
      try (ProxyProcess proxy = ProxyProcess.start(cfg, dir.resolve("proxy.log"))) {
        HttpClient client = HttpClient.newBuilder().sslContext(TestPki.clientContext(ca, null)).build();
        URI uri = URI.create("https://127.0.0.1:" + port + "/");
        awaitServing(client, uri);
        BigInteger before = serial(client, uri);

        TestPki.Leaf rotated = ca.issue("rotated", "IP:127.0.0.1");
        // As certificate tools do: new files written aside, then renamed over the old ones.
        Files.move(Files.copy(rotated.cert(), dir.resolve("cert.new")), cert, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        Files.move(Files.copy(rotated.key(), dir.resolve("key.new")), key, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        proxy.hangUp();

        // The watcher may see the new files before the signal arrives; either way they are served.
        Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
            .until(() -> !serial(HttpClient.newBuilder().sslContext(TestPki.clientContext(ca, null)).build(), uri).equals(before));
        assertThat(proxy.log()).contains("listener 'web': TLS files re-read").doesNotContain("config not reloaded");
        assertThat(proxy.isAlive()).isTrue();
      }
    }
  }

  private static BigInteger serial(HttpClient client, URI uri) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
  }
}
