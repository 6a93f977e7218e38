package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Stats;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code upstream} part of an http listener in {@code /status}: the protocol it speaks to its
 * instances and its connections to them; with HTTP/2 ({@code h2c}, {@code h2}) also the streams on
 * them, what the instances did to them (GOAWAY, refused streams, unanswered PINGs), how evenly the
 * connections are spread over the instances (a listener with {@code service:}; with routes each
 * service is balanced on its own) and how many rebalancing drained. Called on the admin event loop.
 */
final class UpstreamJson {
  private UpstreamJson() {}

  static void listener(RunningListener l, ObjectNode listener) {
    ObjectNode up = listener.putObject("upstream");
    up.put("protocol", l.config().upstream().protocol().configName());
    int connections = 0;
    int streams = 0;
    for (Backend b : backends(l)) {
      connections += b.connections();
      streams += b.streams();
    }
    up.put("connections", connections);
    H2Stats s = l.http2UpstreamStats();
    if (s == null) {
      return;
    }
    up.put("streams", streams);
    up.put("connectionsOpened", s.opened());
    up.put("goAways", s.goAways());
    up.put("refusedStreams", s.refused());
    up.put("pingTimeouts", s.pingTimeouts());
    up.put("sheds", s.sheds());
    H2Balancing h2 = l.http2Upstream(); // a listener with routes: each service has its own spread
    if (h2 != null) {
      ConnectionSpreadJson.evenness(up, h2.evenness());
    }
  }

  /** Every backend of the listener: its one service's, or those of every open service of its routes. */
  static List<Backend> backends(RunningListener l) {
    UpstreamPicker picker = l.picker();
    if (picker != null) {
      return picker.backends();
    }
    List<Backend> out = new ArrayList<>();
    ServiceDirectory<?> services = l.services();
    if (services != null) {
      for (ServiceEntry<?> e : services.entries()) {
        OpenService s = e.service();
        if (s != null) {
          out.addAll(s.picker().backends());
        }
      }
    }
    return out;
  }
}
