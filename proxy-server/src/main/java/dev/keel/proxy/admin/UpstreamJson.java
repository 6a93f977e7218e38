package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Stats;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.upstream.Backend;

/**
 * The {@code upstream} part of an http listener in {@code /status}: the protocol it speaks to its
 * instances and its connections to them; with HTTP/2 ({@code h2c}, {@code h2}) also the streams on
 * them, what the instances did to them (GOAWAY, refused streams, unanswered PINGs), how evenly the
 * connections are spread over the instances and how many rebalancing drained. Per backend: its
 * HTTP/2 {@code streams}. Called on the admin event loop.
 */
final class UpstreamJson {
  private UpstreamJson() {}

  static void listener(RunningListener l, ObjectNode listener) {
    ObjectNode up = listener.putObject("upstream");
    up.put("protocol", l.config().upstream().protocol().configName());
    int connections = 0;
    int streams = 0;
    for (Backend b : l.picker().backends()) {
      connections += b.connections();
      streams += b.streams();
    }
    up.put("connections", connections);
    H2Balancing h2 = l.http2Upstream();
    if (h2 == null) {
      return;
    }
    up.put("streams", streams);
    H2Stats s = h2.stats();
    up.put("connectionsOpened", s.opened());
    up.put("goAways", s.goAways());
    up.put("refusedStreams", s.refused());
    up.put("pingTimeouts", s.pingTimeouts());
    up.put("sheds", s.sheds());
    Evenness e = h2.evenness();
    up.put("maxOverShare", Math.round(e.maxOverShare() * 1000) / 1000.0);
    up.put("coefficientOfVariation", Math.round(e.coefficientOfVariation() * 1000) / 1000.0);
  }

  static void backend(RunningListener l, Backend b, ObjectNode backend) {
    if (l.http2Upstream() != null) {
      backend.put("streams", b.streams());
    }
  }
}
