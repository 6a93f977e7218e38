package dev.keel.proxy.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The I/O transport of the whole process, chosen once at start-up ({@link #best}): native epoll
 * (Linux), else NIO. The system property {@code keel.proxy.transport} ({@code io_uring}, {@code
 * epoll} or {@code nio}) forces one. io_uring (Linux 5.14+ for what Netty 4.2 needs, {@code
 * kernel.io_uring_disabled} 0, no seccomp profile blocking {@code io_uring_setup}) submits every
 * socket's receives and sends of one event-loop turn with one {@code io_uring_enter} where epoll
 * makes a system call for each. It is opt-in: measured, it costs less CPU on the HTTP/1.1 path,
 * but HTTP/2 clients were proxied slower than on epoll, because the upstream pool closed and
 * reopened connections around its idle cap, which io_uring's batched completions provoked more
 * often (fixed in {@code UpstreamPool}; docs/BENCHMARKS.md, "h2c on io_uring"); whether it
 * becomes the default waits for a run on a quiet machine.
 * Epoll event loops run Netty's epoll handler with {@link EpollKeepRegistered}'s fix for
 * half-closed channels; {@code keel.proxy.splice=true} needs epoll, the only one that can splice.
 */
public enum Transport {
  IO_URING("io_uring", IoUringServerSocketChannel.class, IoUringSocketChannel.class),
  EPOLL("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class),
  NIO("nio", NioServerSocketChannel.class, NioSocketChannel.class);

  /** The system property that forces a transport by its {@link #toString() name}. */
  public static final String PROPERTY = "keel.proxy.transport";
  /**
   * The system property that turns zero-copy splicing of tcp listeners on ({@code true}; epoll only,
   * off by default: see {@code TcpListenerKind}). Read here because it decides the transport.
   */
  public static final String SPLICE_PROPERTY = "keel.proxy.splice";

  /**
   * Whether splicing was asked for ({@link #SPLICE_PROPERTY} is {@code true}).
   */
  public static boolean spliceRequested() {
    return "true".equalsIgnoreCase(System.getProperty(SPLICE_PROPERTY));
  }

  private final String name;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends SocketChannel> socketChannel;

  Transport(String name, Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
    this.name = name;
    this.serverChannel = serverChannel;
    this.socketChannel = socketChannel;
  }

  /**
   * The transport of this process and why it was chosen: the one {@link #PROPERTY} names; else
   * epoll where this machine runs it ({@code spliceWanted}: splicing needs it); else NIO.
   *
   * @throws IllegalArgumentException naming the property and its value when it names no transport
   *     or one this machine cannot run
   */
  public static Choice best(boolean spliceWanted) {
    return choose(System.getProperty(PROPERTY), spliceWanted);
  }

  static Choice choose(@Nullable String forced, boolean spliceWanted) {
    if (forced != null && !forced.isBlank()) {
      return new Choice(forced(forced), "-D" + PROPERTY + "=" + forced.trim());
    }
    Throwable epoll = EPOLL.unavailabilityCause();
    if (epoll == null) {
      return new Choice(EPOLL, spliceWanted ? "-D" + SPLICE_PROPERTY + "=true needs epoll" : "the default");
    }
    return new Choice(NIO, "epoll not available: " + epoll.getMessage());
  }

  private static Transport forced(String value) {
    Transport t = Arrays.stream(values()).filter(v -> v.name.equals(value.trim().toLowerCase(Locale.ROOT)))
        .findFirst().orElseThrow(() -> new IllegalArgumentException(PROPERTY + ": " + value + " (expected: "
            + Arrays.stream(values()).map(Transport::toString).collect(Collectors.joining(", ")) + ")"));
    Throwable cause = t.unavailabilityCause();
    if (cause != null) {
      throw new IllegalArgumentException(PROPERTY + ": " + value + " (not available here: " + cause.getMessage() + ")",
          cause);
    }
    return t;
  }

  /** Whether this transport's native part loads and works on this machine (NIO always does). */
  public boolean isAvailable() {
    return unavailabilityCause() == null;
  }

  private @Nullable Throwable unavailabilityCause() {
    return switch (this) {
      case IO_URING -> IoUring.unavailabilityCause();
      case EPOLL -> Epoll.unavailabilityCause();
      case NIO -> null;
    };
  }

  /** A group of {@code threads} event loops named {@code name-N}. */
  public EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory io = switch (this) {
      case IO_URING -> IoUringIoHandler.newFactory();
      case EPOLL -> EpollKeepRegistered.factory();
      case NIO -> NioIoHandler.newFactory();
    };
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), io);
  }

  public Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  public Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }

  /** A transport and, for the start-up log, why it was chosen. */
  public record Choice(Transport transport, String reason) {}

  /** The name {@link #PROPERTY} takes: {@code io_uring}, {@code epoll} or {@code nio}. */
  @Override
  public String toString() {
    return name;
  }
}
