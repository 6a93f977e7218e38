package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.PickArgs;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.internal.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relayed client connection: places it with the connection balancer, connects upstream on the
 * client's event loop (retrying on other endpoints), relays bytes (spliced on epoll, buffered with
 * backpressure otherwise), passes FINs on, enforces the idle timeout and closes gracefully when shed.
 *
 * <p>Threading: everything but {@link #requestClose} runs on the client channel's event loop, which
 * the upstream channel shares. Ownership: it owns its lease and both channels and closes them.
 */
final class TcpConnection {
  private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);
  /** A shed connection closes only once answered and quiet this long: between exchanges. */
  static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long CONFIRM_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long DRAIN_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** How long the lease of a shed connection keeps counting after the close: time for the client to reconnect. */
  static final long RECONNECT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** How long a shed connection may take to find a quiet moment before its shed is taken back. */
  static final long SHED_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final TcpRoute route;
  private final Channel client;
  // chosen once, after the TLS handshake (by its server name): the route and its service, open
  private SniRoutes.@Nullable Route rule;
  private @Nullable TcpService service;
  /** Endpoints this connection failed to reach: its next attempts avoid them while others are available. */
  private final List<Endpoint> failed = new ArrayList<>(0);
  private final List<ByteBuf> early = new ArrayList<>(0);
  private @Nullable Channel upstream;
  private @Nullable ConnectionLease lease;
  private @Nullable Activity activity;
  private @Nullable ScheduledFuture<?> tick;
  private int attempt;
  private boolean closed;
  private boolean closeRequested;
  private boolean closeIsShed;
  private long closeRequestedNanos;
  private boolean lingerLease;
  /** The quiet time seen when a graceful close was about to happen, while confirming it; else -1. */
  private long confirmQuiet = -1;
  private boolean clientInputShut;
  private boolean upstreamInputShut;

  private final @Nullable Future<?> handshake;

  /** @param handshake the client's TLS handshake, or null without TLS */
  TcpConnection(TcpRoute route, Channel client, @Nullable Future<?> handshake) {
    this.route = route;
    this.client = client;
    this.handshake = handshake;
  }

  /**
   * The client channel is active: place and connect; with TLS, once the client's handshake
   * succeeded (a client that fails it costs no upstream connection). Reads drive the handshake
   * (the channel does not read by itself); its TLS handler keeps reading until it is done.
   */
  void start() {
    Future<?> h = handshake;
    if (h == null) {
      routeThenConnect();
      return;
    }
    h.addListener(f -> {
      if (f.isSuccess()) {
        routeThenConnect();
      } else {
        close();
      }
    });
    client.read();
  }

  /** Chooses the route by the TLS server name the client asked for (any route without TLS), then connects. */
  private void routeThenConnect() {
    if (closed) {
      return;
    }
    SniRoutes.Choice c = route.routes.route(SniRoutes.serverName(client));
    if (c == null) {
      route.stats.noRoute.increment();
      log.debug("{}: no route for {} (server name {})", route.config.name(), client.remoteAddress(),
          LogSafe.lazy(SniRoutes.serverName(client)));
      close();
      return;
    }
    rule = c.route();
    openThenConnect(c.service());
  }

  /** Connects once the service is open; waits (bounded) while the registry is first asked for it. */
  private void openThenConnect(ServiceEntry<TcpService> entry) {
    ServiceEntry<TcpService> e = entry.live();
    TcpService s = e.service();
    if (s == null) {
      if (!e.await(client.eventLoop(), () -> openThenConnect(e)) && !closed) {
        rule().unconnected.increment();
        route.stats.noEndpoint.increment();
        close();
      }
      return;
    }
    if (!closed) {
      service = s;
      connect();
    }
  }

  private SniRoutes.Route rule() {
    return java.util.Objects.requireNonNull(rule, "route chosen before connecting");
  }

  private TcpService service() {
    return java.util.Objects.requireNonNull(service, "service open before connecting");
  }

  private void connect() {
    ConnectionLease l;
    Backend counted;
    if (route.placedByConnections) {
      l = place();
      // Counts the connect as a request on the lease's endpoint, so its outcome feeds outlier
      // ejection: a strict pin, through the same picker as an http listener's requests. Null when the
      // endpoint stopped being available since it was placed: the connect goes ahead uncounted.
      counted = l == null ? null : service().picker().pick(PickArgs.builder().pinned(l.endpoint().id()).strict(true).build());
    } else {
      // The listener's policy places the connection; its pick counts the connect as a request, the
      // lease counts the connection.
      counted = pickByPolicy();
      l = counted == null ? null : service().connections().openOn(counted.endpoint());
    }
    if (l == null) {
      rule().unconnected.increment();
      route.stats.noEndpoint.increment();
      close();
      return;
    }
    if (attempt == 0) {
      service().placed();
    }
    Backend target = counted != null ? counted : Backend.of(l.endpoint());
    long started = System.nanoTime();
    Endpoint report = counted == null ? null : counted.endpoint();
    io.netty.bootstrap.Bootstrap b = route.upstream.clone(client.eventLoop());
    int connectMillis = target.connectTimeoutMillis() > 0 ? target.connectTimeoutMillis() : route.connectTimeoutMillis;
    b.option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis); // the route's
    ChannelFuture f = b.handler(UpstreamSetup.NO_HANDLER).connect(target.address());
    f.addListener((ChannelFutureListener) done -> {
      if (!done.isSuccess()) {
        connected(done.channel(), done.cause(), l, report, started);
        return;
      }
      // The PROXY header and the TLS handshake are part of connecting (UpstreamSetup).
      UpstreamSetup.establish(route, client, done.channel(), target.host(), target.port(), connectMillis)
          .addListener(ready -> connected(done.channel(), ready.isSuccess() ? null : ready.cause(), l, report, started));
    });
  }

  /**
   * A lease from the connection balancer, on an endpoint this connection has not failed to reach
   * ({@code open(exclude)}); when every available endpoint has failed, on any (a fresh connect may
   * succeed where one just failed).
   */
  private @Nullable ConnectionLease place() {
    ConnectionLease l = service().connections().open(failed);
    return l != null || failed.isEmpty() ? l : service().connections().open();
  }

  /**
   * The policy's backend for this connection, keyed by the client's address (what ring-hash hashes),
   * avoiding the endpoints it failed to reach while others are available.
   */
  private @Nullable Backend pickByPolicy() {
    CharSequence key = client.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : null;
    Backend b = service().picker().pick(PickArgs.builder().key(key).exclude(failed).build());
    return b != null || failed.isEmpty() ? b : service().picker().pick(key);
  }

  /**
   * The connect (with its PROXY header and TLS handshake) finished; {@code failure} is null when
   * it succeeded. {@code counted}: the endpoint its request was counted on, reported once here.
   */
  private void connected(Channel u, @Nullable Throwable failure, ConnectionLease l, @Nullable Endpoint counted, long started) {
    if (failure == null && u.isActive()) {
      if (counted != null) {
        counted.onSuccess(System.nanoTime() - started);
      }
      if (closed) {
        l.close();
        u.close();
        return;
      }
      lease = l;
      upstream = u;
      u.pipeline().addLast("relay", new RelayHandler(this, false));
      route.register(l, this);
      beginRelay(u, l);
      return;
    }
    u.close();
    if (counted != null) {
      counted.onFailure(FailureKind.CONNECT);
    }
    route.stats.connectFailures.increment();
    log.debug("{}: connect to {} failed: {}", route.config.name(), l.endpoint().id(), String.valueOf(failure));
    l.close();
    failed.add(l.endpoint());
    if (closed) {
      return;
    } else if (++attempt < rule().attempts) {
      rule().retries.increment();
      route.stats.retries.increment();
      connect();
    } else {
      rule().unconnected.increment();
      route.stats.noEndpoint.increment();
      close();
    }
  }

  @SuppressWarnings("deprecation") // spliceTo: deprecated in Netty 4.2 without a replacement; opt-in here
  private void beginRelay(Channel u, ConnectionLease l) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (!early.isEmpty()) {
      for (ByteBuf b : early) {
        u.write(b);
      }
      early.clear();
      u.flush();
    }
    if (route.splice && client instanceof EpollSocketChannel c && u instanceof EpollSocketChannel uc) {
      activity = new KernelActivity(c, uc, now);
      l.markIdle();
      // Splicing reads while auto-read is on and turns it off itself while the target cannot take
      // more (its own backpressure); the splice tasks take the reads, the pipeline sees no bytes.
      // (Netty 4.2 epoll is level-triggered only, which is what spliceTo requires.)
      if (!clientInputShut) {
        c.spliceTo(uc, Integer.MAX_VALUE).addListener(this::spliceEnded);
        c.config().setAutoRead(true);
      }
      uc.spliceTo(c, Integer.MAX_VALUE).addListener(this::spliceEnded);
      uc.config().setAutoRead(true);
    } else {
      activity = new BufferedActivity(l, now);
      if (!clientInputShut) {
        client.read();
      }
      u.read();
    }
    if (clientInputShut) {
      shutdownOutputAfterFlush(u);
    }
    if (upstreamInputShut) {
      shutdownOutputAfterFlush(client);
    }
    schedule(closeRequested ? 0 : tickNanos());
  }

  private void spliceEnded(io.netty.util.concurrent.Future<? super Void> f) {
    if (!f.isSuccess() && !closed) {
      log.debug("{}: splice ended: {}", this, String.valueOf(f.cause()));
      close();
    }
  }

  /** Buffered relay: bytes read from one side; write them to the other, read more once written. */
  void relay(boolean fromClient, ByteBuf buf) {
    if (fromClient && activity == null && !closed) {
      // Read before the relay started (epoll reads at a peer's FIN even without a read request):
      // kept until the upstream is connected.
      early.add(buf);
      return;
    }
    Channel up = upstream;
    Channel from = fromClient ? client : up;
    Channel to = fromClient ? up : client;
    if (closed || from == null || to == null || !to.isActive() || !(activity instanceof BufferedActivity a)) {
      buf.release();
      close();
      return;
    }
    a.onRead(fromClient, System.nanoTime());
    to.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
      a.onWritten(fromClient, System.nanoTime());
      if (!f.isSuccess()) {
        close();
      } else if (!(fromClient ? clientInputShut : upstreamInputShut)) {
        from.read();
      }
    });
  }

  /** A FIN arrived from the client (true) or the upstream: pass it on once pending bytes are out. */
  void inputShutdown(boolean fromClient) {
    if (fromClient) {
      clientInputShut = true;
    } else {
      upstreamInputShut = true;
    }
    if (clientInputShut && upstreamInputShut) {
      close();
      return;
    }
    Channel to = fromClient ? upstream : client;
    if (to != null && activity != null) {
      shutdownOutputAfterFlush(to);
    } // else: applied when the relay starts
  }

  private static void shutdownOutputAfterFlush(Channel ch) {
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (ch.isActive() && ch instanceof DuplexChannel d) {
        d.shutdownOutput();
      }
    });
  }

  /**
   * Asks for a graceful close at the connection's next quiet moment, after {@code delayNanos}. Any
   * thread.
   *
   * @param shed true when rebalancing asked (counted as a shed)
   */
  void requestClose(boolean shed, long delayNanos) {
    client.eventLoop().schedule(() -> {
      if (closed || closeRequested) {
        if (closeRequested && !shed) {
          closeIsShed = false; // a drain while a shed waits: no longer given up after the shed's patience
        }
        return;
      }
      closeRequested = true;
      closeIsShed = shed;
      closeRequestedNanos = System.nanoTime();
      if (activity != null) {
        schedule(0);
      }
    }, delayNanos, TimeUnit.NANOSECONDS);
  }

  private long tickNanos() {
    long idle = route.idleNanos;
    long t = idle > 0 ? idle / 4 : MAX_TICK_NANOS;
    return Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, t));
  }

  private void schedule(long delayNanos) {
    ScheduledFuture<?> t = tick;
    if (t != null) {
      t.cancel(false);
    }
    tick = client.eventLoop().schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Idle timeout, the lease's idle mark for spliced connections, and the shed/drain close. */
  private void tick() {
    Activity a = activity;
    ConnectionLease l = lease;
    Channel up = upstream;
    if (closed || a == null || l == null || up == null) {
      return; // the relay has not started: no activity yet
    }
    long now = System.nanoTime();
    long quiet = a.quietNanos(now);
    if (route.idleNanos > 0 && quiet >= route.idleNanos) {
      route.stats.idleTimeouts.increment();
      log.debug("{}: idle for {} ms, closing", this, quiet / 1_000_000);
      close();
      return;
    }
    if (closeRequested && closeIsShed && now - closeRequestedNanos >= SHED_PATIENCE_NANOS) {
      // Never answered and quiet (a stream without pauses): cannot be moved gracefully. Counted as
      // an ordinary connection again; a later run sheds it, or another, if the spread still calls for it.
      closeRequested = false;
      closeIsShed = false;
      l.keep();
      log.debug("{}: no quiet moment within {} s, shed taken back", this, TimeUnit.NANOSECONDS.toSeconds(SHED_PATIENCE_NANOS));
    }
    boolean answered = a.answered();
    if (a instanceof KernelActivity) {
      if (answered) {
        l.markIdle();
      } else {
        l.markBusy();
      }
    }
    if (closeRequested && answered && quiet >= QUIET_NANOS && confirmQuiet < 0) {
      // Looks idle, but a request may be waiting in the socket, not yet read: under load the loop can
      // run this task well after the last epoll pass. Look again after the next pass.
      confirmQuiet = quiet;
      schedule(CONFIRM_NANOS);
      return;
    }
    // And the kernel must not hold bytes that arrived after our last read (epoll and io_uring; NIO cannot tell).
    boolean confirmed = confirmQuiet >= 0 && quiet >= confirmQuiet
        && !KernelActivity.unreadInput(client, quiet) && !KernelActivity.unreadInput(up, quiet);
    confirmQuiet = -1;
    if (closeRequested && answered && quiet >= QUIET_NANOS && confirmed) {
      if (closeIsShed) {
        route.stats.sheds.increment();
        lingerLease = true;
      }
      if (log.isDebugEnabled()) {
        log.debug("{}: closing gracefully ({}), quiet for {} ms, kernel: last received {} ms ago", this,
            closeIsShed ? "shed" : "drain", quiet / 1_000_000,
            KernelActivity.lastDataReceivedMillis(client));
      }
      close();
      return;
    }
    long next = closeRequested ? DRAIN_CHECK_NANOS : tickNanos();
    if (route.idleNanos > 0) {
      next = Math.min(next, Math.max(DRAIN_CHECK_NANOS, route.idleNanos - quiet));
    }
    schedule(next);
  }

  /** Closes both sides after what is already written has been flushed; releases the lease. Idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledFuture<?> t = tick;
    if (t != null) {
      t.cancel(false);
    }
    ConnectionLease l = lease;
    if (l != null) {
      route.unregister(l);
      if (lingerLease) {
        // The shed client reconnects in a moment; until then its lease keeps counting in the total.
        service().linger(l, client.eventLoop(), RECONNECT_GRACE_NANOS);
      } else {
        l.close();
      }
    }
    for (ByteBuf b : early) {
      b.release();
    }
    early.clear();
    flushAndClose(client);
    Channel u = upstream;
    if (u != null) {
      flushAndClose(u);
    }
  }

  private static void flushAndClose(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.close();
    }
  }

  @Override
  public String toString() {
    ConnectionLease l = lease;
    return route.config.name() + " " + client.remoteAddress() + " -> " + (l == null ? "(connecting)" : l.endpoint().id());
  }
}
