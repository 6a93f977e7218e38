package dev.keel.registry.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Whether anything accepts a TCP connection at a registry's addresses: the cheapest way to tell
 * "nothing is listening" (refused at once) from "slow to answer" before a client library's own
 * timeouts run out. Adapters use it while their client is still connecting. Not public API.
 */
public final class TcpProbe {
  private TcpProbe() {}

  /**
   * Tries each address in turn, {@code timeout} each.
   *
   * @return null as soon as one accepts a connection; else why none did, such as
   *     {@code "127.0.0.1:2399: Connection refused"} (the first failure)
   */
  public static @Nullable String unreachable(List<InetSocketAddress> addresses, Duration timeout) {
    String first = null;
    for (InetSocketAddress a : addresses) {
      try (Socket s = new Socket()) {
        s.connect(a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        return null;
      } catch (IOException | IllegalArgumentException e) {
        if (first == null) {
          first = a.getHostString() + ":" + a.getPort() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
      }
    }
    return first == null ? "no address to connect to" : first;
  }
}
