package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The meters of a listener with routes: per route (tags {@code listener}, {@code route}; as many as
 * configured), the listener's services (open now, closed for idleness or the bound), and per open
 * service (tags {@code listener}, {@code service}; removed when the service is closed, so at most
 * {@code max-services} plus the fixed ones). Read at scrape time.
 */
final class RouteMetrics {
  private RouteMetrics() {}

  static void register(MeterRegistry registry, RunningListener l, ServiceDirectory<?> services, List<Meter> out) {
    String listener = l.config().name();
    for (RouteView r : l.routes()) {
      String name = r.name();
      Tags t = Tags.of("listener", listener, "route", name);
      out.add(routeCounter(registry, "keel_proxy_route_requests", "requests the route matched", t, l, name,
          RouteView::requests));
      out.add(routeCounter(registry, "keel_proxy_route_rejected", "requests refused: an invalid service name (400)", t,
          l, name, RouteView::rejected));
      out.add(routeCounter(registry, "keel_proxy_route_upstream_errors", "502, 503 and 504 answered by the proxy", t,
          l, name, RouteView::upstreamErrors));
      out.add(routeCounter(registry, "keel_proxy_route_retries", "requests retried on another instance", t, l, name,
          RouteView::retries));
    }
    Tags t = Tags.of("listener", listener);
    out.add(Gauge.builder("keel_proxy_services_open", services, ServiceDirectory::dynamicCount).tags(t)
        .description("services opened by a route's placeholder, open now (bounded by services.max-services)")
        .register(registry));
    out.add(FunctionCounter.builder("keel_proxy_services_closed", services, ServiceDirectory::closedIdle)
        .tags(t.and("reason", "idle")).description("services closed: unused for services.idle-timeout")
        .register(registry));
    out.add(FunctionCounter.builder("keel_proxy_services_closed", services, ServiceDirectory::closedBeyondBound)
        .tags(t.and("reason", "max-services")).description("services closed: least recently used beyond max-services")
        .register(registry));
  }

  private static FunctionCounter routeCounter(MeterRegistry registry, String name, String description, Tags t,
      RunningListener l, String route, ToDoubleFunction<RouteView> value) {
    return FunctionCounter.builder(name, l, x -> {
      for (RouteView r : x.routes()) {
        if (r.name().equals(route)) {
          return value.applyAsDouble(r);
        }
      }
      return 0;
    }).tags(t).description(description).register(registry);
  }

  /** The meters of one open service of a routed listener ({@code stale} made by the caller). */
  static void service(MeterRegistry registry, Tags t, ServiceEntry<?> e, OpenService s, Gauge stale, List<Meter> out) {
    out.add(stale);
    out.add(FunctionCounter.builder("keel_proxy_service_requests", e, ServiceEntry::requests).tags(t)
        .description("requests routed to the service").register(registry));
    out.add(Gauge.builder("keel_proxy_service_instances", s, x -> x.picker().state().members().size()).tags(t)
        .description("instances the registry has for the service").register(registry));
    out.add(Gauge.builder("keel_proxy_service_available", s, x -> x.picker().state().available().size()).tags(t)
        .description("instances available (healthy, not ejected)").register(registry));
  }
}
