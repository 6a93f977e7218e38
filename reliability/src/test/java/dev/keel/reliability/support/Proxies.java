package dev.keel.reliability.support;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import java.net.URI;
import java.util.Map;

/** Starts an in-process keel-proxy from YAML: listener {@code web} for service {@code demo}, admin on an ephemeral port. */
public final class Proxies {
  private Proxies() {}

  public static ProxyServer start(String registryUri) {
    String yaml = "registry: \"" + registryUri + "\"\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 2\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    service: demo\n"
        + "    timeouts: { connect: 1s, request: 5s }\n";
    ProxyConfig cfg = new ConfigLoader(Map.<String, String>of()::get).parse(yaml, null);
    return ProxyServer.start(cfg);
  }

  public static URI uri(ProxyServer proxy, String path) {
    return URI.create("http://127.0.0.1:" + proxy.address("web").getPort() + path);
  }

  public static URI adminUri(ProxyServer proxy, String path) {
    return URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path);
  }
}
