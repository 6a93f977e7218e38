package dev.keel.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log of a real http listener in front of a real instance: the lines it writes, reload and rotation. */
class AccessLogIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private TestBackend backend;
  private ProxyFixture proxy;
  private Path file;

  private String yaml(String format) {
    return "registry: static://" + backend.address() + "\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 1\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: demo\n"
        + "    trusted-proxies: [ 127.0.0.0/8 ]\n"
        + "    limits: { max-body: 16 }\n"
        + "    access-log: { path: " + file + ", format: " + format + " }\n";
  }

  @BeforeEach
  void start() throws IOException {
    backend = new TestBackend("a");
    file = dir.resolve("web.log");
    proxy = new ProxyFixture(yaml("json"));
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  private List<String> lines(Path f) {
    try {
      return Files.exists(f) ? Files.readAllLines(f) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<JsonNode> awaitJsonLines(int n) throws IOException {
    await().atMost(10, TimeUnit.SECONDS).until(() -> lines(file).size() >= n);
    List<JsonNode> out = new ArrayList<>();
    for (String l : lines(file)) {
      out.add(JSON.readTree(l));
    }
    assertThat(out).hasSize(n);
    return out;
  }

  @Test
  void eachExchangeIsOneLineWithWhatTheProxyChoseAndWhatItAnswered() throws Exception {
    HttpResponse<String> ok = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/hello?x=1"))
        .header("X-Forwarded-For", "203.0.113.9").header("User-Agent", "it/1\"x").timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    HttpResponse<String> tooLarge = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/upload"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(tooLarge.statusCode()).isEqualTo(413);

    List<JsonNode> lines = awaitJsonLines(2);

    JsonNode first = lines.get(0);
    assertThat(first.get("client").asText()).as("the client the trusted proxy named").isEqualTo("203.0.113.9");
    assertThat(first.get("method").asText()).isEqualTo("GET");
    assertThat(first.get("path").asText()).isEqualTo("/hello?x=1");
    assertThat(first.get("status").asInt()).isEqualTo(200);
    assertThat(first.get("bytes_sent").asLong()).isGreaterThan(ok.body().length());
    assertThat(first.get("upstream_address").asText()).isEqualTo(backend.address());
    assertThat(first.get("upstream_id").isNull()).isFalse();
    assertThat(first.get("attempts").asInt()).isEqualTo(1);
    assertThat(first.get("service").asText()).isEqualTo("demo");
    assertThat(first.get("route").isNull()).isTrue();
    assertThat(first.get("error").isNull()).isTrue();
    assertThat(first.get("user_agent").asText()).isEqualTo("it/1\"x");
    JsonNode refused = lines.get(1);
    assertThat(refused.get("method").asText()).isEqualTo("POST");
    assertThat(refused.get("status").asInt()).isEqualTo(413);
    assertThat(refused.get("error").asText()).isEqualTo("body_too_large");
    assertThat(refused.get("attempts").asInt()).isZero();
    assertThat(refused.get("bytes_sent").asLong()).as("the proxy's own answer").isGreaterThan(0);
    assertThat(refused.get("upstream_id").isNull()).isTrue();
  }

  @Test
  void aHostileRequestTargetIsLoggedEscapedOnOneLine() throws Exception {
    String target = "/x%0d%0a\"},{\"status\":200\\";
    try (RawHttp c = new RawHttp(proxy.address())) {
      c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"},{\"b\\\r\nConnection: close\r\n\r\n").readAll();
    }

    await().atMost(10, TimeUnit.SECONDS).until(() -> lines(file).size() >= 1);
    String raw = Files.readString(file);
    assertThat(raw).as("one printable ASCII line").matches("[\\x20-\\x7e]+\n");
    JsonNode line = JSON.readTree(raw);
    assertThat(line.get("path").asText()).isEqualTo(target);
    assertThat(line.get("user_agent").asText()).isEqualTo("a\"},{\"b\\");
    assertThat(line.get("status").asInt()).as("the instance refuses such a target, " + raw).isEqualTo(400);
    assertThat(line.get("attempts").asInt()).as(raw).isEqualTo(1);
    assertThat(line.get("error").isNull()).as(raw).isTrue();
  }

  @Test
  void aReloadThatChangesTheFormatAppliesAndSighupReopensTheFileAfterRotation() throws Exception {
    assertThat(proxy.get("/one").statusCode()).isEqualTo(200);
    awaitJsonLines(1);

    proxy.server.reload(new ConfigLoader(Map.<String, String>of()::get).parse(yaml("combined"), null));
    assertThat(proxy.get("/two").statusCode()).isEqualTo(200);
    await().atMost(10, TimeUnit.SECONDS).until(() -> lines(file).size() >= 2);
    assertThat(lines(file).get(1)).contains("\"GET /two HTTP/1.1\" 200 ").contains(" service=demo error=-");

    Path rotated = dir.resolve("web.log.1");
    Files.move(file, rotated);
    proxy.server.reopenAccessLogs(); // what SIGHUP does before it reloads
    assertThat(proxy.get("/three").statusCode()).isEqualTo(200);

    await().atMost(10, TimeUnit.SECONDS).until(() -> lines(file).size() >= 1);
    assertThat(lines(file)).singleElement().asString().contains("\"GET /three HTTP/1.1\" 200 ");
    assertThat(lines(rotated)).hasSize(2);
    HttpResponse<String> metrics = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("keel_proxy_access_log_dropped_total{listener=\"web\",service=\"demo\"} 0.0");
  }

  @Test
  void aReloadWhoseLogCannotBeOpenedChangesNothing() throws Exception {
    String unusable = yaml("combined").replace(file.toString(), dir.resolve("gone").resolve("web.log").toString());
    Files.createDirectory(dir.resolve("gone"));
    var next = new ConfigLoader(Map.<String, String>of()::get).parse(unusable, null);
    Files.delete(dir.resolve("gone")); // checked, then removed before the reload: start-up of the listener fails

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> proxy.server.reload(next))
        .hasMessageContaining("access-log.path");
    assertThat(proxy.get("/still").statusCode()).isEqualTo(200);
    assertThat(awaitJsonLines(1).get(0).get("path").asText()).isEqualTo("/still");
  }
}
