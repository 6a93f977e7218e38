package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.client.KeelOkHttp;
import dev.keel.proxy.ProxyServer;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.Proxies;
import dev.keel.reliability.support.RegistryKind;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 4: a proxy and a client started while the registry is unreachable serve the
 * snapshot an earlier run wrote to {@code snapshot-dir}, for each registry. Ordered last: it stops the
 * JVM's shared Nacos, which a later scenario would have to start again (half a minute).
 */
@Timeout(120)
@Order(Integer.MAX_VALUE)
class ColdStartFromSnapshotIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ColdStartFromSnapshotIntegrationTest.class);

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#available")
  void aColdStartWithTheRegistryDownServesTheSnapshot(RegistryKind kind) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "snapshots");
    try {
      coldStart(kind, dir);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  private static void coldStart(RegistryKind kind, Path dir) throws Exception {
    String params = "snapshot-dir=" + dir.toAbsolutePath();
    List<KillableBackend> backends;
    String deadUri;
    try (Cluster cluster = new Cluster(kind.start(), 3, params)) {
      // the first run: routes to all three, and its watch writes the snapshot
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        cluster.proxyGet("/");
        cluster.clientGet("/");
        return cluster.backends.stream().allMatch(b -> b.requests.get() >= 2);
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> snapshotFiles(dir) > 0);
      deadUri = cluster.registry.uri(params);
      cluster.registry.stop(); // nothing listens at deadUri any more (a shared Nacos stays stopped until the next scenario)
      // keep the backends alive past the cluster: restart them on the same ports below
      backends = cluster.backends;
    }
    // every backend was closed with the cluster; the fleet is still up in this scenario, so bring them back
    for (KillableBackend b : backends) {
      b.restart();
    }
    try {
      long started = System.nanoTime();
      ProxyServer proxy = Proxies.start(deadUri);
      long proxyStartMs = (System.nanoTime() - started) / 1_000_000;
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      RegistryClient clientRegistry = Registries.open(deadUri);
      KeelOkHttp keel = KeelOkHttp.create(clientRegistry);
      OkHttpClient client = keel.install(new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
          .readTimeout(Duration.ofSeconds(10))).build();
      try (Load viaProxy = new Load(kind + "-cold/proxy", 2, () -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(Proxies.uri(proxy, "/work"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              throw new IOException("proxy answered " + r.statusCode());
            }
            return r.body();
          });
          Load viaClient = new Load(kind + "-cold/client", 2, () -> {
            try (Response r = client.newCall(new Request.Builder().url("http://demo/work").build()).execute()) {
              if (r.code() != 200) {
                throw new IOException("client got " + r.code());
              }
              return r.body().string();
            }
          })) {
        // every backend of the snapshot answers through both, more than ten GETs each
        await().atMost(Duration.ofSeconds(30)).until(() -> viaProxy.sent.get() > 10 && viaClient.sent.get() > 10
            && viaProxy.byBackend.size() == 3 && viaClient.byBackend.size() == 3);
        viaProxy.stop();
        viaClient.stop();
        String status = http.send(HttpRequest.newBuilder(Proxies.adminUri(proxy, "/status")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        log.info("FIGURES {}-cold: proxy started in {} ms with the registry down; status={}", kind, proxyStartMs, status);
        assertThat(status).as("/status marks the listener's set as served from the snapshot cache")
            .contains("\"stale\":true");
        assertThat(viaProxy.sent.get()).isGreaterThan(10);
        assertThat(viaClient.sent.get()).isGreaterThan(10);
        assertThat(viaProxy.failures).isEmpty();
        assertThat(viaClient.failures).isEmpty();
        assertThat(viaProxy.byBackend.keySet()).containsExactlyInAnyOrder("b0", "b1", "b2");
        assertThat(viaClient.byBackend.keySet()).containsExactlyInAnyOrder("b0", "b1", "b2");
      } finally {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        keel.close();
        clientRegistry.close();
        proxy.close(Duration.ofMillis(500));
      }
    } finally {
      backends.forEach(KillableBackend::kill);
    }
  }

  private static long snapshotFiles(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".snapshot")).count();
    }
  }
}
