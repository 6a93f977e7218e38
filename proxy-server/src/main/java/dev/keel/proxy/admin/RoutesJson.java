package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.proxy.config.RouteConfig;
import dev.keel.proxy.http.H2Upstreams;
import dev.keel.proxy.http.HttpService;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The {@code /status} part of a listener with routes: {@code "routes"} (each with its match, the
 * service it names and its counters), {@code "services"} (each open or opening service with its
 * backends, in the shape of a listener's, and with HTTP/2 instances the spread of its connections)
 * and the directory's counts. Called on the admin event loop.
 */
final class RoutesJson {
  private RoutesJson() {}

  static void write(ObjectNode listener, RunningListener l, ServiceDirectory<?> services, boolean tunnels, boolean streams) {
    ArrayNode rs = listener.putArray("routes");
    for (RouteView r : l.routes()) {
      ObjectNode o = rs.addObject();
      o.put("name", r.name());
      RouteConfig.Match m = r.config().match();
      putIf(o, "host", m.host());
      putIf(o, "pathPrefix", m.pathPrefix());
      if (!m.methods().isEmpty()) {
        ArrayNode ms = o.putArray("methods");
        m.methods().forEach(ms::add);
      }
      RouteConfig.Header h = m.header();
      if (h != null) {
        o.put("header", h.value() == null ? h.name() : h.name() + ": " + h.value());
      }
      putIf(o, "sni", m.sni());
      o.put("service", r.config().service().toString());
      o.put("stripPrefix", r.config().stripPrefix());
      o.put("policy", r.config().policy());
      o.put("requests", r.requests());
      o.put("rejected", r.rejected());
      o.put("upstreamErrors", r.upstreamErrors());
      o.put("retries", r.retries());
    }
    listener.put("servicesOpen", services.dynamicCount());
    listener.put("maxServices", services.limits().maxServices());
    listener.put("servicesClosedIdle", services.closedIdle());
    listener.put("servicesClosedBeyondBound", services.closedBeyondBound());
    ArrayNode ss = listener.putArray("services");
    List<? extends ServiceEntry<?>> entries = services.entries();
    entries.sort(Comparator.comparing(ServiceEntry::name));
    long now = System.nanoTime();
    for (ServiceEntry<?> e : entries) {
      ObjectNode o = ss.addObject();
      o.put("name", e.name());
      o.put("state", e.state());
      o.put("fixed", e.pinned());
      o.put("requests", e.requests());
      o.put("idleSeconds", Math.max(0, (now - e.lastUsedNanos()) / 1_000_000_000L));
      OpenService s = e.service();
      if (s != null) {
        o.put("policy", s.picker().policy());
        o.put("stale", s.picker().stale());
        o.put("panic", s.picker().panic());
        StatusJson.backends(o.putArray("backends"), s.picker(), tunnels, streams);
        H2Upstreams h2 = s instanceof HttpService hs ? hs.http2() : null;
        if (h2 != null) { // each service's HTTP/2 connections are evened over its own instances
          ConnectionSpreadJson.evenness(o, h2.balancing().evenness());
        }
      }
    }
  }

  private static void putIf(ObjectNode o, String key, @Nullable Object value) {
    if (value != null) {
      o.put(key, value.toString());
    }
  }

  /** True when some open service is served from the last known state (the registry unreachable). */
  static boolean anyStale(@Nullable ServiceDirectory<?> services) {
    return any(services, UpstreamPicker::stale);
  }

  /** True when some open service is in panic. */
  static boolean anyPanic(@Nullable ServiceDirectory<?> services) {
    return any(services, UpstreamPicker::panic);
  }

  private static boolean any(@Nullable ServiceDirectory<?> services, Predicate<UpstreamPicker> test) {
    if (services != null) {
      for (ServiceEntry<?> e : services.entries()) {
        OpenService s = e.service();
        if (s != null && test.test(s.picker())) {
          return true;
        }
      }
    }
    return false;
  }
}
