package dev.keel.proxy.tcp;

import dev.keel.balancer.Evenness;
import java.util.List;

/**
 * A listener whose connections are placed and rebalanced by a connection balancer: what
 * {@code /status} and {@code /metrics} show about the spread. Thread-safe; read by the admin listener.
 */
public interface ConnectionSpread {
  /** Per member of the service: its connections and its weighted share of them. */
  List<BackendShare> shares();

  /** Max ÷ share and the coefficient of variation over the available endpoints. */
  Evenness evenness();

  TcpStats tcpStats();

  /**
   * One backend's part of the spread.
   *
   * @param available counted in the shares (live, healthy, not ejected; in panic every member)
   * @param ejected left out by passive outlier ejection (tells an ejected member from one down by checks)
   * @param share connections this backend should hold: total × weight ÷ total weight (0 when not available)
   */
  record BackendShare(String id, String address, int weight, boolean available, boolean ejected, int activeConnections,
      double share) {}
}
