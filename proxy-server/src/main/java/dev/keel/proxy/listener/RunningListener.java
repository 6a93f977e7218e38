package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** A bound listener. Thread-safe. */
public interface RunningListener {
  ListenerConfig config();

  /** The address actually bound (the port is real even when 0 was configured). */
  InetSocketAddress localAddress();

  UpstreamPicker picker();

  ListenerStats stats();

  /** The listener's HTTP/2 connections to its instances ({@code upstream.protocol} h2c or h2), else null. */
  default @Nullable H2Balancing http2Upstream() {
    return null;
  }

  /** Stops accepting; open connections stay. */
  void stopAccepting();

  /** Asks every open connection to close after its current exchange. */
  void drain();

  /** Open client connections. */
  int openConnections();

  /** Closes everything now: connections, upstream pools, the picker. */
  void close();
}
