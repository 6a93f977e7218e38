package dev.keel.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Keep-alive upstream connections of one listener on one event loop, per backend. Connections are
 * opened on this loop, so a client connection and its upstream share a thread and nothing here
 * needs a lock. Most recently used first, so idle surplus ages out through the idle timeout: a
 * sweep every half idle timeout closes the connections that sat in the pool for three sweeps
 * (1 to 1.5 idle timeouts), which costs nothing per request.
 *
 * <p>{@code maxIdlePerBackend} bounds the connections kept idle for longer than {@link
 * #SURPLUS_GRACE_NANOS}, not how many may be idle at one instant: a connection offered beyond it
 * is kept, and closed a grace period later if it is still idle and still beyond it (the least
 * recently used first). Under bursty load — every response of a batch of streams finishing in one
 * loop turn, the next batch of requests arriving a client round trip later, as with HTTP/2 clients
 * and io_uring's batched completions — closing at once reopened a third of the connections per
 * request, each a socket, a connect and a close (docs/BENCHMARKS.md, "h2c on io_uring"). Keeping
 * them a little longer never raises the peak: they were all open a moment before.
 *
 * <p>Confined to its event loop.
 */
public final class UpstreamPool {
  /** Sweeps (every half idle timeout) a pooled connection may sit unused: 1 to 1.5 idle timeouts. */
  private static final int IDLE_SWEEPS = 3;
  /** How long a connection beyond {@code maxIdlePerBackend} may stay idle before it is closed. */
  static final long SURPLUS_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final EventLoop loop;
  private final Dialer dialer;
  private final BiConsumer<Channel, Backend> pipeline;
  private final int maxIdlePerBackend;
  private final IdentityHashMap<Backend, ArrayDeque<UpstreamConnection>> idle = new IdentityHashMap<>();
  private final List<UpstreamConnection> expired = new ArrayList<>();
  private final @Nullable ScheduledFuture<?> sweeper;
  private final Runnable trimTask = this::trimSurplus;
  private boolean trimScheduled;
  private boolean closed;

  /**
   * @param bootstrap channel class and options; its group and handler are set here
   * @param pipeline adds the codec handlers of a new upstream channel (the connection handler is added last)
   * @param idleNanos a pooled connection unused this long is closed; 0: never
   */
  public UpstreamPool(EventLoop loop, Bootstrap bootstrap, BiConsumer<Channel, Backend> pipeline, int maxIdlePerBackend,
      long idleNanos) {
    this(loop, bootstrapDialer(bootstrap.clone().group(loop)), pipeline, maxIdlePerBackend, idleNanos);
  }

  /**
   * As above, with connections opened by {@code dialer} (tests open in-memory channels; the
   * bootstrap constructor connects sockets).
   */
  public UpstreamPool(EventLoop loop, Dialer dialer, BiConsumer<Channel, Backend> pipeline, int maxIdlePerBackend,
      long idleNanos) {
    this.loop = loop;
    this.dialer = dialer;
    this.pipeline = pipeline;
    this.maxIdlePerBackend = maxIdlePerBackend;
    long period = idleNanos / 2;
    this.sweeper = period > 0 ? loop.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS) : null;
  }

  public EventLoop loop() {
    return loop;
  }

  /** An idle live connection to {@code backend} leased to {@code owner}, or null when none is idle. */
  public @Nullable UpstreamConnection pollIdle(Backend backend, UpstreamOwner owner) {
    ArrayDeque<UpstreamConnection> q = idle.get(backend);
    if (q != null) {
      UpstreamConnection c;
      while ((c = q.pollFirst()) != null) {
        if (c.channel().isActive()) {
          c.lease(owner);
          return c;
        }
      }
    }
    return null;
  }

  /**
   * Opens a new connection to {@code backend}, leased to {@code owner} once connected. The returned
   * future completes on this loop; on failure the connection is discarded.
   */
  public ChannelFuture connect(Backend backend, UpstreamOwner owner, UpstreamConnection[] out) {
    UpstreamConnection conn = new UpstreamConnection(backend, this);
    conn.lease(owner);
    out[0] = conn;
    return dialer.dial(backend, new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        pipeline.accept(ch, backend);
        ch.pipeline().addLast("upstream", conn);
      }
    });
  }

  private static Dialer bootstrapDialer(Bootstrap bootstrap) {
    return (backend, initializer) -> {
      Bootstrap b = bootstrap.clone().handler(initializer);
      int connectMillis = backend.connectTimeoutMillis();
      if (connectMillis > 0) {
        b.option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis); // the route's, when it sets one
      }
      return b.connect(backend.address());
    };
  }

  /** A dialer connecting sockets on {@code loop} with {@code bootstrap}'s channel class and options. */
  public static Dialer dialer(EventLoop loop, Bootstrap bootstrap) {
    return bootstrapDialer(bootstrap.clone().group(loop));
  }

  /** Opens a channel to a backend, on the pool's loop, with {@code initializer} as its handler. */
  @FunctionalInterface
  public interface Dialer {
    ChannelFuture dial(Backend backend, ChannelHandler initializer);
  }

  void offer(UpstreamConnection c) {
    if (closed || c.backend().removed() || maxIdlePerBackend == 0) {
      c.channel().close();
      return;
    }
    ArrayDeque<UpstreamConnection> q = idle.computeIfAbsent(c.backend(), b -> new ArrayDeque<>());
    c.quietTicks = 0;
    c.idleSince = loop.ticker().nanoTime();
    q.addFirst(c);
    if (q.size() > maxIdlePerBackend) {
      scheduleTrim();
    }
    // One outstanding read lets an idle connection notice the server closing it.
    c.channel().read();
  }

  private void scheduleTrim() {
    if (!trimScheduled) {
      trimScheduled = true;
      loop.schedule(trimTask, SURPLUS_GRACE_NANOS, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Closes, per backend, the least recently used idle connections beyond {@code maxIdlePerBackend}
   * that have been idle for the grace period; checks again later while a surplus remains.
   */
  private void trimSurplus() {
    trimScheduled = false;
    long before = loop.ticker().nanoTime() - SURPLUS_GRACE_NANOS;
    boolean surplus = false;
    for (ArrayDeque<UpstreamConnection> q : idle.values()) {
      int over = q.size() - maxIdlePerBackend;
      Iterator<UpstreamConnection> lru = q.descendingIterator();
      while (over > 0 && lru.hasNext()) {
        UpstreamConnection c = lru.next();
        if (c.idleSince - before > 0) {
          surplus = true; // this one and the more recent ones: not yet
          break;
        }
        expired.add(c);
        over--;
      }
    }
    closeExpired();
    if (surplus && !closed) {
      scheduleTrim();
    }
  }

  void remove(UpstreamConnection c) {
    ArrayDeque<UpstreamConnection> q = idle.get(c.backend());
    if (q != null) {
      q.remove(c);
      if (q.isEmpty() && c.backend().removed()) {
        idle.remove(c.backend());
      }
    }
  }

  private void sweep() {
    for (ArrayDeque<UpstreamConnection> q : idle.values()) {
      for (UpstreamConnection c : q) {
        if (++c.quietTicks >= IDLE_SWEEPS) {
          expired.add(c);
        }
      }
    }
    closeExpired();
  }

  /**
   * Closes the idle connections to backends that left discovery, or whose service was closed (a
   * routed listener closes services unused for a while): without this they would wait for the
   * idle sweep. Call on this pool's loop.
   */
  public void closeRemoved() {
    for (ArrayDeque<UpstreamConnection> q : idle.values()) {
      for (UpstreamConnection c : q) {
        if (c.backend().removed()) {
          expired.add(c);
        }
      }
    }
    closeExpired();
  }

  /** Closes the connections a walk over the queues collected: closing removes one from its queue, so not during the walk. */
  private void closeExpired() {
    for (int i = 0; i < expired.size(); i++) {
      expired.get(i).channel().close();
    }
    expired.clear();
  }

  /** Closes every idle connection and pools none from now on (shutdown, or a reload replaced the listener). */
  public void closeIdle() {
    closed = true;
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    for (ArrayDeque<UpstreamConnection> q : idle.values()) {
      for (UpstreamConnection c : q.toArray(new UpstreamConnection[0])) {
        c.channel().close();
      }
    }
    idle.clear();
  }
}
