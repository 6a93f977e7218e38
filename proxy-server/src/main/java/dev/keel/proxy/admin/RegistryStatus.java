package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry in the admin endpoint (issue 23): its reachability in {@code /status} and
 * {@code /metrics}, and {@code /healthz} as a readiness that tells an unreachable registry from a
 * service without instances.
 *
 * <p>{@code /healthz} answers 200 {@code ok} while the registry is reachable; 200 {@code degraded: ...}
 * while it is not but every listener still has the instances it last knew (the proxy keeps serving
 * them, and taking every proxy of a fleet out of rotation at once because their shared registry is
 * away would turn a registry outage into a full one); and 503 {@code unavailable: ...} while it is
 * not and some listener knows no instance at all (nothing to serve it with).
 */
final class RegistryStatus {
  private RegistryStatus() {}

  /** What {@code /healthz} answers. */
  record Readiness(HttpResponseStatus status, String body) {}

  static Readiness readiness(RegistryClient registry, List<RunningListener> listeners) {
    RegistryHealth h = registry.health();
    if (h.reachable()) {
      return new Readiness(HttpResponseStatus.OK, "ok\n");
    }
    int serving = 0;
    List<String> empty = new ArrayList<>();
    for (RunningListener l : listeners) {
      UpstreamPicker picker = l.picker();
      String service = l.config().service();
      if (picker != null) {
        if (picker.backends().isEmpty()) {
          empty.add(service != null ? service : l.config().name());
        } else {
          serving++;
        }
      }
      ServiceDirectory<?> services = l.services();
      for (ServiceEntry<?> e : services == null ? List.<ServiceEntry<?>>of() : services.entries()) {
        OpenService s = e.service();
        if (s == null) {
          continue;
        }
        if (!s.picker().backends().isEmpty()) {
          serving++;
        } else if (e.pinned()) {
          // a route's fixed service: as a listener's; one named by a request may not exist at all
          empty.add(e.name());
        }
      }
    }
    String why = "registry " + h.registry() + " " + h.state().label() + " since " + h.since()
        + (h.cause() == null ? "" : " (" + h.cause() + ")") + "; serving " + serving + " services from last known state";
    if (empty.isEmpty()) {
      return new Readiness(HttpResponseStatus.OK, "degraded: " + why + "\n");
    }
    return new Readiness(HttpResponseStatus.SERVICE_UNAVAILABLE,
        "unavailable: " + why + "; no instance known for: " + String.join(", ", empty) + "\n");
  }

  /** Adds the registry to {@code /status}: {@code "registries":[{...}]}. */
  static void write(ObjectNode root, RegistryClient registry) {
    RegistryHealth h = registry.health();
    ArrayNode rs = root.putArray("registries");
    ObjectNode o = rs.addObject();
    o.put("registry", h.registry());
    o.put("state", h.state().label());
    o.put("reachable", h.reachable());
    o.put("since", h.since().toString());
    if (h.cause() != null) {
      o.put("cause", h.cause());
    }
    o.put("outages", h.outages());
    o.put("malformedEntries", h.malformedEntries());
  }

  /** The registry's meters, read at scrape time. */
  static void register(MeterRegistry meters, RegistryClient registry) {
    String name = registry.health().registry();
    Gauge.builder("keel_registry_reachable", registry, r -> r.health().reachable() ? 1 : 0).tag("registry", name)
        .description("1 while the registry can be reached; 0 while the last known instances are served").register(meters);
    FunctionCounter.builder("keel_registry_outages", registry, r -> r.health().outages()).tag("registry", name)
        .description("times the registry became unreachable").register(meters);
    FunctionCounter.builder("keel_registry_malformed_entries", registry, r -> r.health().malformedEntries())
        .tag("registry", name).description("registry entries skipped as malformed, each once per version")
        .register(meters);
  }
}
