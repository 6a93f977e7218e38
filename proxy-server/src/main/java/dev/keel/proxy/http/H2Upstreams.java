package dev.keel.proxy.http;

import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Pool;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * One service's HTTP/2 connections to its instances ({@code upstream.protocol} {@code h2c} or
 * {@code h2}): a pool on each event loop, created on first use by that loop, all of them balanced
 * over the instances as one ({@link H2Balancing}: what an instance sees is the sum over the loops).
 * Thread-safe; {@link #close()} drains every connection and stops rebalancing.
 */
public final class H2Upstreams implements AutoCloseable {
  private final H2Balancing balancing;
  private final boolean tls;
  private final BiFunction<EventLoop, H2Balancing, H2Pool> poolFactory;
  private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();

  private record Loop(H2Pool pool, UpstreamConnector connector) {}

  /**
   * @param balancing counts and sheds the connections of every loop's pool; closed with this
   * @param tls the instances speak HTTP/2 over TLS ({@code h2}): the {@code :scheme} sent is https
   * @param poolFactory a loop's pool, counted by the balancing it is given
   */
  public H2Upstreams(H2Balancing balancing, boolean tls, BiFunction<EventLoop, H2Balancing, H2Pool> poolFactory) {
    this.balancing = balancing;
    this.tls = tls;
    this.poolFactory = poolFactory;
  }

  /** How the exchanges of {@code loop} reach the instances; call from that loop. */
  UpstreamConnector connector(EventLoop loop) {
    return loops.computeIfAbsent(loop, l -> {
      H2Pool pool = poolFactory.apply(l, balancing);
      return new Loop(pool, Http2Upstream.connector(pool, tls));
    }).connector();
  }

  public H2Balancing balancing() {
    return balancing;
  }

  /** Drains every connection of every loop, each on its own loop: each closes once its streams ended. */
  public void drain() {
    loops.forEach((loop, l) -> loop.execute(l.pool()::closeIdle));
  }

  @Override
  public void close() {
    drain();
    balancing.close();
  }
}
