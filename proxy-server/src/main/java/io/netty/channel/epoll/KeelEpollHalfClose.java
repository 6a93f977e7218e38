package io.netty.channel.epoll;

import io.netty.channel.Channel;
import java.io.IOException;

/**
 * Keel's workaround for a Netty 4.2 epoll defect (seen in 4.2.18 and 4.2.20), in Netty's package
 * because it needs {@code AbstractEpollChannel.setFlag}. Not part of Netty.
 *
 * <p>The defect: when a channel's interest set becomes empty, {@code EpollIoHandler} removes the fd
 * from epoll ({@code EPOLL_CTL_DEL}) but keeps the registration marked as added, so the next interest
 * change ({@code EPOLL_CTL_MOD}) fails with ENOENT and the channel is closed. With auto-read off and
 * half-closure allowed, a peer's FIN empties the set (EPOLLRDHUP is cleared, no read is pending), and
 * the next write that has to wait for EPOLLOUT — an answer to a client that half-closed — kills the
 * connection. Adding {@code EPOLLET} to the set keeps it non-empty; the channel's input is shut, so
 * edge-triggering changes nothing but the writes' EPOLLOUT wake-ups, which Netty handles either way.
 *
 * <p>Call on the channel's event loop when its input was shut down, before Netty clears EPOLLRDHUP
 * (that is, from the {@code ChannelInputShutdownEvent} handler).
 */
public final class KeelEpollHalfClose {
  private KeelEpollHalfClose() {}

  /** Keeps {@code ch} registered with epoll after its input was shut; no-op for other transports. */
  public static void keepRegistered(Channel ch) {
    if (ch instanceof AbstractEpollChannel c && c.isOpen() && !c.isFlagSet(Native.EPOLLET)) {
      try {
        c.setFlag(Native.EPOLLET);
      } catch (IOException e) {
        c.pipeline().fireExceptionCaught(e);
      }
    }
  }
}
