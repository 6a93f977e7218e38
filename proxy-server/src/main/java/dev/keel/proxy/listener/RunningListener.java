package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.net.InetSocketAddress;

/** A bound listener. Thread-safe. */
public interface RunningListener {
  ListenerConfig config();

  /** The address actually bound (the port is real even when 0 was configured). */
  InetSocketAddress localAddress();

  UpstreamPicker picker();

  ListenerStats stats();

  /** Stops accepting; open connections stay. */
  void stopAccepting();

  /** Asks every open connection to close after its current exchange. */
  void drain();

  /** Open client connections. */
  int openConnections();

  /** Closes everything now: connections, upstream pools, the picker. */
  void close();
}
