package dev.keel.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * {@link Activity} of a spliced connection. Spliced bytes never enter the pipeline, so the relay
 * cannot count them; the kernel can: {@code TCP_INFO} tells how long ago each socket last sent and
 * received data and how many bytes are still unacknowledged, and the channels' outbound buffers
 * tell whether spliced data waits in a pipe. Millisecond resolution, which is what shedding needs.
 * Event-loop confined (both channels share one loop).
 */
final class KernelActivity implements Activity {
  private final EpollSocketChannel client;
  private final EpollSocketChannel upstream;
  private final EpollTcpInfo clientInfo = new EpollTcpInfo();
  private final EpollTcpInfo upstreamInfo = new EpollTcpInfo();
  private final long startNanos;

  KernelActivity(EpollSocketChannel client, EpollSocketChannel upstream, long nowNanos) {
    this.client = client;
    this.upstream = upstream;
    this.startNanos = nowNanos;
  }

  @Override
  public long quietNanos(long nowNanos) {
    if (!refresh() || !drained(client) || !drained(upstream)) {
      return 0;
    }
    long ms = Math.min(Math.min(clientInfo.lastDataSent(), clientInfo.lastDataRecv()),
        Math.min(upstreamInfo.lastDataSent(), upstreamInfo.lastDataRecv()));
    return Math.min(ms * 1_000_000L, nowNanos - startNanos);
  }

  @Override
  public boolean answered() {
    if (!refresh() || !drained(client) || !drained(upstream)) {
      return false;
    }
    // "ms since last sent" not greater than "ms since last received": the client heard from us last
    // (a PROXY header the upstream never answers does not count against the upstream side).
    return clientInfo.unacked() == 0 && upstreamInfo.unacked() == 0
        && clientInfo.lastDataSent() <= clientInfo.lastDataRecv();
  }

  private boolean refresh() {
    if (!client.isOpen() || !upstream.isOpen()) {
      return false;
    }
    client.tcpInfo(clientInfo);
    upstream.tcpInfo(upstreamInfo);
    return true;
  }

  /**
   * True when the kernel received data on {@code ch} more recently than {@code quietNanos} ago (less
   * a 5 ms allowance for its millisecond clock): bytes the relay has not read yet. False for NIO,
   * which cannot tell.
   */
  static boolean unreadInput(Channel ch, long quietNanos) {
    long recvMs = lastDataReceivedMillis(ch);
    return recvMs >= 0 && recvMs * 1_000_000L + UNREAD_ALLOWANCE_NANOS < quietNanos;
  }

  /** Milliseconds since the kernel last received data on {@code ch} ({@code TCP_INFO}); -1 when unknown (NIO, closed). */
  static long lastDataReceivedMillis(Channel ch) {
    if (!ch.isOpen()) {
      return -1;
    }
    if (ch instanceof EpollSocketChannel e) {
      return e.tcpInfo().lastDataRecv();
    }
    if (ch instanceof IoUringSocketChannel u) {
      return u.tcpInfo().lastDataRecv();
    }
    return -1;
  }

  private static final long UNREAD_ALLOWANCE_NANOS = 5_000_000L;

  private static boolean drained(Channel ch) {
    ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    return out == null || out.isEmpty();
  }
}
