package dev.keel.proxy.h2up;

import dev.keel.balancer.ConnectionLease;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * One listener's HTTP/2 connections to its instances on one event loop, per backend: a stream goes
 * on the first connection (in the order they were opened) with room for it, and another connection
 * is opened when every one is full (the instance's {@code SETTINGS_MAX_CONCURRENT_STREAMS}, capped
 * by {@code upstream.max-streams}) or draining. Filling the oldest first, as Envoy's pools do,
 * leaves a connection opened for a burst idle once the burst is over, so the idle timeout or
 * rebalancing ({@link #shed}) can take it. Connections are opened on this loop, which is the
 * client connections' too: nothing here needs a lock.
 *
 * <p>Confined to its event loop.
 */
public final class H2Pool {
  private final EventLoop loop;
  private final UpstreamPool.Dialer dialer;
  private final BiConsumer<Channel, Backend> pipeline;
  private final H2Options options;
  private final H2Balancing balancing;
  /** Per backend, the connections that take new streams (connecting or ready, not draining), oldest first. */
  private final IdentityHashMap<Backend, List<H2Connection>> usable = new IdentityHashMap<>();
  private final List<H2Connection> all = new ArrayList<>();

  /**
   * @param pipeline adds what goes below HTTP/2 on a new channel (TLS); the connection handler is added last
   * @param balancing the listener's: counts every connection and sheds some
   */
  public H2Pool(EventLoop loop, UpstreamPool.Dialer dialer, BiConsumer<Channel, Backend> pipeline, H2Options options,
      H2Balancing balancing) {
    this.loop = loop;
    this.dialer = dialer;
    this.pipeline = pipeline;
    this.options = options;
    this.balancing = balancing;
  }

  public EventLoop loop() {
    return loop;
  }

  /**
   * Opens a stream to {@code backend} for {@code listener}, which then hears {@link
   * H2StreamListener#streamReady} (possibly before this returns: a connection had room) or {@link
   * H2StreamListener#streamFailed}.
   */
  public H2Stream open(Backend backend, H2StreamListener listener) {
    H2Stream s = new H2Stream(backend, listener);
    place(s);
    return s;
  }

  /** Puts {@code s} on a connection to its backend with room, opening one when none has. */
  void place(H2Stream s) {
    List<H2Connection> cs = usable.get(s.backend());
    if (cs != null) {
      for (int i = 0; i < cs.size(); i++) {
        if (cs.get(i).offer(s)) {
          return;
        }
      }
    }
    H2Connection c = connect(s.backend());
    c.offer(s); // a new connection takes at least one stream (waiting for its SETTINGS)
    dial(c);
  }

  private H2Connection connect(Backend backend) {
    H2Connection c = H2Connection.create(this, backend, options, balancing.stats());
    usable.computeIfAbsent(backend, b -> new ArrayList<>(2)).add(c);
    all.add(c);
    c.lease(balancing.track(backend, c));
    balancing.stats().opened.increment();
    return c;
  }

  private void dial(H2Connection c) {
    ChannelFuture f = dialer.dial(c.backend(), new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        pipeline.accept(ch, c.backend());
        ch.pipeline().addLast("h2", c);
      }
    });
    if (f.isDone()) {
      connected(c, f);
    } else {
      f.addListener((ChannelFuture done) -> connected(c, done));
    }
  }

  private void connected(H2Connection c, ChannelFuture f) {
    if (!f.isSuccess()) {
      c.lost(f.cause()); // its streams fail as connect failures: nothing of them was sent
    }
  }

  /** {@code c} takes no new streams any more. */
  void draining(H2Connection c) {
    List<H2Connection> cs = usable.get(c.backend());
    if (cs != null) {
      cs.remove(c);
      if (cs.isEmpty()) {
        usable.remove(c.backend());
      }
    }
  }

  /** {@code c} is gone: it stops counting. */
  void closed(H2Connection c) {
    draining(c);
    all.remove(c);
    ConnectionLease l = c.lease();
    if (l != null) {
      c.lease(null);
      balancing.untrack(l);
    }
  }

  /**
   * Rebalancing asks for {@code c} to go: it drains (no new streams; it closes once its last stream
   * ended) when another connection of this loop to the same instance has room for its streams, so
   * what runs on it moves without opening a connection there again. A connection the instance's
   * traffic on this loop still needs is kept ({@link ConnectionLease#keep()}): streams are balanced
   * one by one, so its replacement would only be opened to the same instance.
   */
  void shed(H2Connection c, ConnectionLease lease) {
    if (c.draining() || c.lease() != lease) {
      return;
    }
    int room = 0;
    List<H2Connection> cs = usable.get(c.backend());
    if (cs != null) {
      for (H2Connection o : cs) {
        if (o != c && o.ready()) {
          room += Math.max(0, o.capacity() - o.streams());
        }
      }
    }
    if (cs == null || cs.size() < 2 || room < Math.max(1, c.streams())) {
      lease.keep();
      return;
    }
    balancing.stats().sheds.increment();
    c.drain();
  }

  /** Connections open on this loop now (for tests and status). */
  public int connections() {
    return all.size();
  }

  /** Drains every connection (the listener stops): each closes once its streams ended. */
  public void closeIdle() {
    for (H2Connection c : List.copyOf(all)) {
      c.drain();
    }
  }
}
