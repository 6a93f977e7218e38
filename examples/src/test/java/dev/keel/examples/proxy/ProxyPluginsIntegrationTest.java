package dev.keel.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel-proxy with the examples packed as plug-ins (the {@code zone-aware-plugin} and {@code
 * file-registry-plugin} jars this module's build makes) in a {@code plugins/} directory beside its
 * config: {@code check} accepts a config naming {@code file://} and {@code zone-aware}, the proxy
 * runs it and sends every request to the instance in its own zone, and {@code /status} lists what
 * each jar brought. Without the directory the same config is refused.
 */
class ProxyPluginsIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<HttpServer> backends = new ArrayList<>();
  private @org.jspecify.annotations.Nullable Process proxy;

  @TempDir Path dir;

  @AfterEach
  void stop() throws InterruptedException {
    if (proxy != null) {
      proxy.destroy();
      if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
        proxy.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    backends.forEach(b -> b.stop(0));
  }

  @Test
  void theExamplePluginsFromAPluginsDirectoryServeAFileRegistryWithTheZoneAwarePolicy() throws Exception {
    int inZone = backend("in-zone");
    int otherZone = backend("other-zone");
    Path registry = Files.writeString(dir.resolve("registry.json"), """
        {"services": {"orders": [
          {"id": "a-1", "host": "127.0.0.1", "port": %d, "metadata": {"zone": "a"}},
          {"id": "b-1", "host": "127.0.0.1", "port": %d, "metadata": {"zone": "b"}}
        ]}}
        """.formatted(inZone, otherZone));
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(pluginJar("zone-aware-plugin"), plugins.resolve("zone-aware.jar"));
    Files.copy(pluginJar("file-registry-plugin"), plugins.resolve("file-registry.jar"));
    int port = freePort();
    int admin = freePort();
    Path config = Files.writeString(dir.resolve("proxy.yaml"), """
        registry: file://%s
        shutdown-grace: 1s
        admin:
          listen: 127.0.0.1:%d
        listeners:
          - name: orders
            listen: 127.0.0.1:%d
            service: orders
            policy: zone-aware
        """.formatted(registry, admin, port));

    KeelProxyCli.Result checked = KeelProxyCli.check(config);
    assertThat(checked.exitCode()).as(checked.output()).isZero();
    assertThat(checked.output()).contains("plug-ins from " + plugins, "file-registry.jar (registries file)",
        "zone-aware.jar (policies zone-aware)");

    proxy = start(config, "a");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(get(port, "/").statusCode()).isEqualTo(200));
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get(port, "/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).as("request %d", i).isEqualTo("in-zone");
    }

    JsonNode status = JSON.readTree(get(admin, "/status").body());
    assertThat(status.path("policies").toString()).contains("\"zone-aware\"", "\"round-robin\"");
    assertThat(status.path("plugins").path("path").asText()).isEqualTo(plugins.toString());
    assertThat(status.path("plugins").path("jars").toString())
        .contains("\"file\":\"file-registry.jar\"", "\"registries\":[\"file\"]", "\"policies\":[\"zone-aware\"]");
  }

  @Test
  void withoutThePluginsDirectoryTheSameConfigIsRefusedNamingTheScheme() throws Exception {
    Path config = Files.writeString(dir.resolve("proxy.yaml"), """
        registry: file://%s/registry.json
        listeners:
          - { name: orders, listen: 127.0.0.1:0, service: orders, policy: zone-aware }
        """.formatted(dir));

    KeelProxyCli.Result checked = KeelProxyCli.check(config);

    assertThat(checked.exitCode()).isEqualTo(1);
    assertThat(checked.output()).contains("line 1: registry: registry uri scheme: 'file'");
  }

  /** The plug-in jar with {@code classifier} that this module's package phase built. */
  private static Path pluginJar(String classifier) throws IOException {
    Path target = KeelProxyCli.projectRoot().resolve("examples/target");
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(f -> String.valueOf(f.getFileName()).endsWith("-" + classifier + ".jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no *-" + classifier + ".jar in " + target
              + " (built by: mvn -pl examples package)"));
    }
  }

  private Process start(Path config, String zone) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-jar",
        KeelProxyCli.jar().toString(), "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile());
    pb.environment().put("KEEL_ZONE", zone);
    return pb.start();
  }

  private int backend(String name) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    s.createContext("/", ex -> {
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    s.start();
    backends.add(s);
    return s.getAddress().getPort();
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
