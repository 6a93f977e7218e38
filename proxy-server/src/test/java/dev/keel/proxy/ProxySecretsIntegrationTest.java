package dev.keel.proxy;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.keel.proxy.cli.ProxyCommand;
import dev.keel.proxy.config.AdminConfig;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.testsupport.StderrCapture;
import dev.keel.proxy.support.TestBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The registry password and the admin token, given through {@code ${ENV}}, appear in no admin
 * response, log line, {@code keel-proxy check} output or config error; the admin listener binds
 * loopback by default and wants the bearer token when one is set.
 */
@Timeout(60)
class ProxySecretsIntegrationTest {
  private static final String PASSWORD = "s3cr3t-PASSWORD-xyz";
  private static final String TOKEN = "s3cr3t-TOKEN-abc";
  private static final Map<String, String> ENV = Map.of("REG_PASSWORD", PASSWORD, "ADMIN_TOKEN", TOKEN);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Logger keelLogger = (Logger) LoggerFactory.getLogger("dev.keel");
  private @Nullable Level keelLevel;

  @BeforeEach
  void logEverythingKeelSays() {
    // The test logging is at WARN; what the proxy logs at start, per request and on errors counts too.
    keelLevel = keelLogger.getLevel();
    keelLogger.setLevel(Level.DEBUG);
  }

  @AfterEach
  void restoreLogLevel() {
    keelLogger.setLevel(keelLevel);
  }

  private static ProxyConfig parse(String yaml) {
    return new ConfigLoader(ENV::get).parse(yaml, "secrets.yaml");
  }

  private HttpResponse<String> get(URI uri, @Nullable String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertNoSecret(String what, String text) {
    assertThat(text).as(what).doesNotContain(PASSWORD).doesNotContain(TOKEN);
  }

  @Test
  void adminBindsLoopbackByDefaultAndHasNoToken() {
    ProxyConfig cfg = parse("registry: static://127.0.0.1:9001\nlisteners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
    assertThat(cfg.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9901));
    assertThat(cfg.admin().token()).isNull();
    assertThat(requireNonNull(AdminConfig.defaults().listen()).host()).isEqualTo("127.0.0.1");
  }

  @Test
  void secretsFromTheEnvironmentAppearInNoResponseNorLogLine() throws Exception {
    try (StderrCapture logs = StderrCapture.start(); TestBackend backend = new TestBackend("a")) {
      ProxyConfig cfg = parse("registry: static://keel:${REG_PASSWORD}@" + backend.address() + "\n"
          + "admin: { listen: 127.0.0.1:0, token: \"${ADMIN_TOKEN}\" }\n"
          + "shutdown-grace: 1s\n"
          + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
      assertThat(cfg.registry()).contains(PASSWORD);
      assertThat(cfg.admin().token()).isEqualTo(TOKEN);
      assertNoSecret("config toString", cfg.toString());

      ProxyServer server = ProxyServer.start(cfg);
      List<String> bodies = new ArrayList<>();
      try {
        URI proxied = URI.create("http://127.0.0.1:" + server.address("web").getPort() + "/");
        assertThat(get(proxied, null).statusCode()).isEqualTo(200);
        String admin = "http://127.0.0.1:" + requireNonNull(server.adminAddress()).getPort();
        for (String path : List.of("/status", "/metrics")) {
          assertThat(get(URI.create(admin + path), null).statusCode()).as(path + " without token").isEqualTo(401);
          assertThat(get(URI.create(admin + path), TOKEN + "x").statusCode()).as(path + " with a wrong token").isEqualTo(401);
          assertThat(get(URI.create(admin + path), TOKEN.substring(1)).statusCode()).as(path + " with a prefix").isEqualTo(401);
        }
        for (String path : List.of("/status", "/metrics", "/", "/healthz")) {
          HttpResponse<String> r = get(URI.create(admin + path), TOKEN);
          assertThat(r.statusCode()).as(path).isEqualTo(200);
          assertNoSecret(path + " headers", r.headers().map().toString());
          bodies.add(r.body());
          assertNoSecret(path, r.body());
        }
      } finally {
        server.close(Duration.ofMillis(500));
      }
      assertThat(bodies.get(0)).as("/status").contains("\"demo\"").contains(backend.address());
      assertThat(bodies.get(1)).as("/metrics").contains("keel_proxy_requests_total");
      assertThat(logs.all()).as("the capture sees the proxy's log").contains("keel-proxy started");
      assertNoSecret("log", logs.all());
    }
  }

  @Test
  void configErrorsNearASecretDoNotShowIt() {
    String listeners = "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n";
    List<String> yamls = List.of(
        // the token given as a mapping or a list
        "registry: static://127.0.0.1:1\nadmin: { token: { value: \"${ADMIN_TOKEN}\" } }\n" + listeners,
        "registry: static://127.0.0.1:1\nadmin: { token: [ \"${ADMIN_TOKEN}\" ] }\n" + listeners,
        // a secret on a key of another type
        "registry: static://127.0.0.1:1\nworkers: ${ADMIN_TOKEN}\n" + listeners,
        "registry: static://127.0.0.1:1\nadmin: { listen: \"${ADMIN_TOKEN}\" }\n" + listeners,
        "registry: static://127.0.0.1:1\n" + listeners.replace("demo }", "demo, policy: \"${ADMIN_TOKEN}\" }"),
        // an unclosed ${ beside a literal secret
        "registry: \"static://keel:" + PASSWORD + "@127.0.0.1:1/${NOPE\"\n" + listeners,
        "registry: static://127.0.0.1:1\nadmin: { token: \"" + TOKEN + "${NOPE\" }\n" + listeners);
    for (String yaml : yamls) {
      Throwable t = catchThrowable(() -> parse(yaml));
      assertThat(t).as(yaml).hasMessageStartingWith("line ");
      assertNoSecret(yaml, String.valueOf(t.getMessage()));
    }
    assertThat(catchThrowable(() -> parse(yamls.get(2)))).hasMessageContaining("workers: '${ADMIN_TOKEN}'");
    assertThat(catchThrowable(() -> parse(yamls.get(5)))).hasMessageContaining("registry: 'static://keel:***@127.0.0.1:1/${NOPE'");
  }

  @Test
  void checkAndStartFailuresPrintNoSecret() throws Exception {
    Path ok = Files.writeString(dir.resolve("ok.yaml"), "registry: static://keel:" + PASSWORD + "@127.0.0.1:9001?empty-protection=true\n"
        + "admin: { token: " + TOKEN + " }\n"
        + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "registry: static://keel:" + PASSWORD + "@127.0.0.1:9001\n"
        + "admin: { token: { t: " + TOKEN + " } }\n"
        + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    try (StderrCapture logs = StderrCapture.start()) {
      assertThat(run(out, err, "check", ok.toString())).isZero();
      assertThat(run(out, err, "check", bad.toString())).isEqualTo(1);
      // The registry URI's port is refused before start-up (exit 2, a config error): the error names it, not the password.
      assertThat(run(out, err, "--listen", "127.0.0.1:0", "--registry", "static://keel:" + PASSWORD + "@127.0.0.1:notaport",
          "--service", "demo", "--admin", "127.0.0.1:0")).isEqualTo(2);
      assertNoSecret("log", logs.all());
    }
    assertThat(out.toString()).contains("ok (1 listener)");
    assertThat(err.toString()).contains("admin.token: a mapping (expected: a single value)").contains("'notaport'");
    assertNoSecret("stdout", out.toString());
    assertNoSecret("stderr", err.toString());
  }

  private static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = new CommandLine(new ProxyCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }
}
