package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.balancer.Evenness;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tcp.ConnectionSpread;
import dev.keel.proxy.tcp.TcpStats;

/**
 * The {@code /status} part of listeners whose connections are balanced (tcp): per backend its
 * connections and share, and the listener's spread and L4 counters. Called on the admin event loop.
 */
final class ConnectionSpreadJson {
  private ConnectionSpreadJson() {}

  /** Adds to {@code listener} and its {@code backends} array when {@code l} is a {@link ConnectionSpread}. */
  static void write(RunningListener l, ObjectNode listener, ArrayNode backends) {
    if (!(l instanceof ConnectionSpread spread)) {
      return;
    }
    TcpStats s = spread.tcpStats();
    listener.put("connections", s.open());
    listener.put("accepted", s.accepted());
    listener.put("rejected", s.rejected());
    listener.put("connectFailures", s.connectFailures());
    listener.put("noRoute", s.noRoute());
    listener.put("retries", s.retries());
    listener.put("sheds", s.sheds());
    listener.put("idleTimeouts", s.idleTimeouts());
    evenness(listener, spread.evenness());
    for (ConnectionSpread.BackendShare b : spread.shares()) {
      ObjectNode bo = backends.addObject();
      bo.put("id", b.id());
      bo.put("address", b.address());
      bo.put("weight", b.weight());
      bo.put("healthy", b.available());
      bo.put("ejected", b.ejected());
      bo.put("activeConnections", b.activeConnections());
      bo.put("share", b.share());
    }
  }

  /** The spread of connections over the backends: {@code maxOverShare} and {@code coefficientOfVariation}, to 3 places. */
  static void evenness(ObjectNode o, Evenness e) {
    o.put("maxOverShare", Math.round(e.maxOverShare() * 1000) / 1000.0);
    o.put("coefficientOfVariation", Math.round(e.coefficientOfVariation() * 1000) / 1000.0);
  }
}
