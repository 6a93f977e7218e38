package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.tcp.ConnectionSpread;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;

/**
 * The {@code /status} document, in the shape DESIGN.md pins:
 * {@code {"listeners":[{"name","protocol","service","policy","backends":[{"id","address","weight",
 * "healthy","activeConnections","inflight","requests","failures","ewmaMillis"}]}]}}, plus
 * listener counters, {@code "stale"} and {@code "panic"} per listener and {@code "ejected"} per backend,
 * {@code "registries"} ({@link RegistryStatus}) and {@code "transport"} ({@code io_uring}, {@code epoll}
 * or {@code nio}). A listener with routes has {@code "service":
 * null}, no backends of its own, and its {@code "routes"} and {@code "services"} ({@link RoutesJson}).
 */
final class StatusJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusJson() {}

  /**
   * {@code "policies"}: every policy name a listener may use (built-ins and plug-ins); {@code
   * "plugins"}: the directory and, per jar, the policies and registry schemes it brought.
   */
  private static void writePlugins(ObjectNode root, Plugins plugins) {
    ArrayNode names = root.putArray("policies");
    plugins.policies().forEach(names::add);
    ObjectNode p = root.putObject("plugins");
    if (plugins.directory() != null) {
      p.put("path", String.valueOf(plugins.directory()));
    }
    ArrayNode jars = p.putArray("jars");
    for (Plugins.Jar j : plugins.jars()) {
      ObjectNode o = jars.addObject();
      o.put("file", j.file());
      j.policies().forEach(o.putArray("policies")::add);
      j.registries().forEach(o.putArray("registries")::add);
    }
  }

  static byte[] render(AdminHandler.Shared shared) {
    ObjectNode root = JSON.createObjectNode();
    RegistryStatus.write(root, shared.registry());
    writePlugins(root, shared.plugins());
    root.put("transport", shared.transport().toString()); // the I/O transport of the process: io_uring, epoll or nio
    ArrayNode ls = root.putArray("listeners");
    for (RunningListener l : shared.listeners()) {
      ObjectNode o = ls.addObject();
      o.put("name", l.config().name());
      o.put("protocol", l.config().protocol());
      o.put("service", l.config().service());
      ServiceDirectory<?> services = l.services();
      UpstreamPicker picker = l.picker();
      o.put("policy", picker != null ? picker.policy() : l.config().policy());
      o.put("stale", picker != null ? picker.stale() : RoutesJson.anyStale(services)); // not confirmed by a live registry: the last known backends
      o.put("panic", picker != null ? picker.panic() : RoutesJson.anyPanic(services)); // too few available: ejected members are picked from again, never down ones
      o.put("listen", l.localAddress().getHostString() + ":" + l.localAddress().getPort());
      o.put("connections", l.stats().connections());
      o.put("connectionsRefused", l.gate().refused()); // max-connections or the descriptor reserve
      ClientHttp2Stats.json(l, o);
      o.put("requests", l.stats().requests());
      o.put("rejected", l.stats().rejected());
      o.put("upstreamErrors", l.stats().upstreamErrors());
      o.put("retries", l.stats().retries());
      boolean http = "http".equals(l.config().protocol());
      boolean h2 = http && l.config().upstream().protocol().http2();
      if (http) {
        if (!h2) {
          o.put("tunnels", l.stats().tunnels());
          o.put("tunnelSheds", l.stats().tunnelSheds());
        }
        o.put("notFound", l.stats().notFound());
        UpstreamJson.listener(l, o);
      }
      ArrayNode bs = o.putArray("backends");
      // A tcp listener's backends are its connection shares, written by ConnectionSpreadJson.
      if (picker != null && !(l instanceof ConnectionSpread)) {
        backends(bs, picker, http && !h2, h2);
      }
      if (services != null) {
        RoutesJson.write(o, l, services, http && !h2, h2);
      }
      ConnectionSpreadJson.write(l, o, bs);
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The members of {@code picker}, each as DESIGN.md shows a backend.
   *
   * @param tunnels with the WebSocket tunnels on each (an http listener with HTTP/1.1 instances)
   * @param streams with the HTTP/2 streams on each (an http listener with h2c or h2 instances)
   */
  static void backends(ArrayNode bs, UpstreamPicker picker, boolean tunnels, boolean streams) {
    for (Backend b : picker.backends()) {
      ObjectNode bo = bs.addObject();
      bo.put("id", b.id());
      bo.put("address", b.addressText());
      bo.put("weight", b.weight());
      bo.put("healthy", b.healthy());
      bo.put("ejected", b.endpoint().ejected()); // with healthy false: ejected by outlier detection, not down by checks
      bo.put("activeConnections", b.connections());
      bo.put("inflight", b.inflight());
      bo.put("requests", b.requests());
      bo.put("failures", b.failures());
      bo.put("ewmaMillis", Math.round(b.ewmaMillis() * 1000) / 1000.0); // the average a client waits
      bo.put("peakEwmaMillis", Math.round(b.peakEwmaMillis() * 1000) / 1000.0); // the balancing cost
      if (tunnels) {
        bo.put("tunnels", b.endpoint().activeConnections()); // those placed by the connection balancer
      }
      if (streams) {
        bo.put("streams", b.streams());
      }
    }
  }
}
