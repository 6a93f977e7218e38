package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.support.TestBackend;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class ReloadIntegrationTest {
  @TempDir Path dir;

  private static String yaml(String registry, int port, String service) {
    return "registry: " + registry + "\nadmin: { enabled: false }\nshutdown-grace: 5s\nworkers: 1\n"
        + "listeners:\n  - { name: web, listen: 127.0.0.1:" + port + ", service: " + service + " }\n";
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void reloadSwitchesTheServiceOnTheSamePortAndLetsTheRequestInFlightFinish() throws Exception {
    String registry = "memory://reload-" + System.nanoTime();
    int port = freePort();
    try (TestBackend blue = new TestBackend("blue"); TestBackend green = new TestBackend("green");
        RegistryClient reg = Registries.open(registry)) {
      reg.register(ServiceInstance.builder().service("blue").host("127.0.0.1").port(blue.port()).build());
      reg.register(ServiceInstance.builder().service("green").host("127.0.0.1").port(green.port()).build());
      ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);
      ProxyServer server = ProxyServer.start(loader.parse(yaml(registry, port, "blue"), null));
      try {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI root = URI.create("http://127.0.0.1:" + port + "/");
        assertThat(client.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("blue");
        CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/delay")).build(), HttpResponse.BodyHandlers.ofString());
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> blue.requests.get() == 2);

        server.reload(loader.parse(yaml(registry, port, "green"), null));

        HttpResponse<String> old = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.body()).isEqualTo("blue");
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(fresh.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("green");
        assertThat(server.address("web").getPort()).isEqualTo(port);
      } finally {
        server.close(Duration.ofSeconds(1));
      }
    }
  }

  @Test
  void editingTheConfigFileReloadsARunningCommand() throws Exception {
    String registry = "memory://reload-file-" + System.nanoTime();
    int port = freePort();
    Path file = dir.resolve("proxy.yaml");
    try (TestBackend blue = new TestBackend("blue"); TestBackend green = new TestBackend("green");
        RegistryClient reg = Registries.open(registry)) {
      reg.register(ServiceInstance.builder().service("blue").host("127.0.0.1").port(blue.port()).build());
      reg.register(ServiceInstance.builder().service("green").host("127.0.0.1").port(green.port()).build());
      Files.writeString(file, yaml(registry, port, "blue"));
      CompletableFuture<ProxyServer> started = new CompletableFuture<>();
      Thread cli = new Thread(() -> new CommandLine(new dev.keel.proxy.cli.ProxyCommand(started::complete))
          .execute("--config", file.toString()), "cli");
      cli.setDaemon(true);
      cli.start();
      ProxyServer server = started.get(20, TimeUnit.SECONDS);
      try {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI root = URI.create("http://127.0.0.1:" + port + "/");
        assertThat(client.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("blue");
        Files.writeString(file, yaml(registry, port, "green"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
                .body().equals("green"));
        // a broken edit is refused (once the watcher has read it) and the running config stays
        ListAppender<ILoggingEvent> watcherLog = new ListAppender<>();
        watcherLog.start();
        Logger watcher = (Logger) LoggerFactory.getLogger("dev.keel.proxy.cli.ConfigWatcher");
        watcher.addAppender(watcherLog);
        try {
          Files.writeString(file, yaml(registry, port, "green") + "bogus: 1\n");
          Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
            synchronized (watcherLog) { // the appender appends under its own lock
              return watcherLog.list.stream()
                  .anyMatch(e -> e.getFormattedMessage().startsWith("config not reloaded (file change)"));
            }
          });
        } finally {
          watcher.detachAppender(watcherLog);
        }
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
            .body()).isEqualTo("green");
      } finally {
        server.close(Duration.ofSeconds(1));
      }
    }
  }
}
