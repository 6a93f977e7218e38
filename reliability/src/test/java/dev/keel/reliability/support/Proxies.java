package dev.keel.reliability.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** Starts an in-process keel-proxy from YAML: listener {@code web} for service {@code demo}, admin on an ephemeral port. */
public final class Proxies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Proxies() {}

  /** With short upstream timeouts (connect 1 s, request 5 s). */
  public static ProxyServer start(String registryUri) {
    return start(registryUri, "    timeouts: { connect: 1s, request: 5s }\n");
  }

  /**
   * A proxy with one HTTP listener, {@code web}, in front of the registry's service.
   *
   * @param listenerKeys YAML lines added to listener {@code web}, each indented by 4 spaces
   */
  public static ProxyServer start(String registryUri, String listenerKeys) {
    String yaml = "registry: \"" + registryUri + "\"\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 2\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: demo\n"
        + listenerKeys;
    ProxyConfig cfg = new ConfigLoader(Map.<String, String>of()::get).parse(yaml, null);
    return ProxyServer.start(cfg);
  }

  public static URI uri(ProxyServer proxy, String path) {
    return URI.create("http://127.0.0.1:" + proxy.address("web").getPort() + path);
  }

  public static URI adminUri(ProxyServer proxy, String path) {
    return URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path);
  }

  /** The proxy's {@code /status} JSON, as it was sent. */
  public static String statusText(HttpClient http, ProxyServer proxy) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(adminUri(proxy, "/status")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The proxy's {@code /status}, parsed. */
  public static JsonNode status(HttpClient http, ProxyServer proxy) throws IOException, InterruptedException {
    return JSON.readTree(statusText(http, proxy));
  }
}
