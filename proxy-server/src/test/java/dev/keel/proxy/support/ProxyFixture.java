package dev.keel.proxy.support;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/** Starts a proxy from YAML text (listener {@code web}, admin on an ephemeral port) and an HTTP client for it. */
public final class ProxyFixture implements AutoCloseable {
  public final ProxyServer server;
  public final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public ProxyFixture(String yaml) {
    ProxyConfig cfg = new ConfigLoader(Map.<String, String>of()::get).parse(yaml, null);
    server = ProxyServer.start(cfg);
  }

  /** A one-listener proxy on {@code registry} with extra listener YAML lines (indented 4). */
  public static ProxyFixture of(String registry, String extraListenerYaml) {
    return new ProxyFixture("registry: " + registry + "\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 2\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: demo\n"
        + extraListenerYaml);
  }

  /** The balancer of the first listener, one with {@code service:} (a listener with routes has one per service). */
  public UpstreamPicker picker() {
    return Objects.requireNonNull(server.listeners().get(0).picker(), "the first listener has routes, not one service");
  }

  public InetSocketAddress address() {
    return server.address("web");
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + address().getPort() + path);
  }

  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + server.adminAddress().getPort() + path);
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.close(Duration.ofMillis(500));
  }
}
