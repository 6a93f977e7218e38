package dev.keel.client;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.Evenness;
import dev.keel.client.internal.DefaultLongConnections;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Keeps an application's own long-lived connections (a registry session, a socket, a gRPC channel:
 * any {@code C}) spread by weight over a service's healthy instances, and keeps them spread as the
 * membership changes.
 *
 * <ul>
 *   <li><b>Placement</b>: up to {@link Builder#connections(int)} connections, each opened by the
 *       {@link Connector} on the instance furthest below its weighted share ({@link
 *       ConnectionBalancer}).
 *   <li><b>Replacement</b>: a connection whose instance left discovery, or is unhealthy or ejected,
 *       is replaced at once (on the next run, triggered by the balancer's state change).
 *   <li><b>Migration</b>: after scale-out, a rolling restart or a recovery, once the membership has
 *       been quiet for {@link BalancerConfig#rebalanceSettle()} and the spread leaves the tolerance,
 *       surplus connections move to the under-loaded instances at most {@link
 *       BalancerConfig#rebalanceMaxShedPerSecond()} per second, picked at random, on runs spaced by
 *       a jittered interval. Every move is <b>make-before-break</b>: the new connection is opened,
 *       then {@link Handover#handover} moves the application's state (re-publish, re-subscribe),
 *       and only then is the old connection closed. The new connection never opens on the old
 *       one's instance. If opening or the handover fails, the old connection stays and counts as an
 *       ordinary connection again ({@link dev.keel.balancer.ConnectionLease#keep()}): a later run
 *       moves it, or another, only if the spread still calls for it.
 * </ul>
 *
 * <h2>Threading</h2>
 *
 * All work (connecting, handing over, closing) runs serially on the builder's executor (default: one
 * daemon thread per instance of this class); the connector and the handover may block there. Timing
 * comes from the balancer's {@link dev.keel.balancer.BalancerClock}, randomness from the builder's
 * generator, so tests run on a fake clock. Accessors may be called from any thread.
 *
 * <h2>Ownership</h2>
 *
 * Connections are opened and closed only through the {@link Connector}: {@link #close()} closes
 * every connection still open and stops the work. The {@link Balancer} passed in is the caller's and
 * is not closed; an executor passed in is not shut down, the default one is.
 */
public interface LongConnections<C> extends AutoCloseable {
  static <C> Builder<C> builder(Balancer balancer, Connector<C> connector) {
    return new Builder<>(balancer, connector);
  }

  /** Opens and closes the application's connections. Called on the executor only. */
  interface Connector<C> {
    /** Opens a connection to {@code instance}; may block; throws when it cannot. */
    C open(ServiceInstance instance) throws Exception;

    /** Closes {@code connection}, gracefully where the protocol allows. */
    void close(C connection) throws Exception;
  }

  /** Moves application state from a connection about to close to its replacement, already open. */
  @FunctionalInterface
  interface Handover<C> {
    /** Called with both connections open; throw to abort the move (both stay as they were). */
    void handover(C from, C to) throws Exception;
  }

  /** Open connections, a snapshot. */
  List<C> connections();

  /** Open connections per instance id, a snapshot. */
  Map<String, Integer> spread();

  /** The spread over the balancer's available instances. */
  Evenness evenness();

  /** Make-before-break moves completed so far (migrations and replacements). */
  long moves();

  /**
   * Tells Keel that {@code connection} broke (the peer closed it, an I/O error): it is closed and a
   * new one is opened on the next run. Unknown connections are ignored.
   */
  void reportBroken(C connection);

  /** Stops, then closes every open connection through the connector. Idempotent. */
  @Override
  void close();

  /** Builder of {@link LongConnections}; not thread-safe. */
  final class Builder<C> {
    private final Balancer balancer;
    private final Connector<C> connector;
    private int connections = 1;
    private Handover<C> handover = (from, to) -> {};
    private Duration interval = Duration.ofMillis(250);
    private double jitter = 0.2;
    private RandomGenerator random = new SplittableRandom();
    private @Nullable Executor executor;
    private Consumer<String> onEvent = e -> {};

    private Builder(Balancer balancer, Connector<C> connector) {
      this.balancer = requireNonNull(balancer, "balancer");
      this.connector = requireNonNull(connector, "connector");
    }

    /** How many connections to keep open, 1..100000 (default 1). */
    public Builder<C> connections(int connections) {
      if (connections < 1 || connections > 100_000) {
        throw new IllegalArgumentException("connections: " + connections + " (expected: 1..100000)");
      }
      this.connections = connections;
      return this;
    }

    /** The state move run between opening a replacement and closing the old (default none). */
    public Builder<C> handover(Handover<C> handover) {
      this.handover = requireNonNull(handover, "handover");
      return this;
    }

    /** Mean time between maintenance runs, 10 ms .. 60 s (default 250 ms). */
    public Builder<C> interval(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("interval: " + interval + " (expected: 10ms..60s)");
      }
      this.interval = interval;
      return this;
    }

    /** Each run is spaced by interval × (1 ± jitter), jitter 0.0..0.5 (default 0.2). */
    public Builder<C> jitter(double jitter) {
      if (!(jitter >= 0.0 && jitter <= 0.5)) {
        throw new IllegalArgumentException("jitter: " + jitter + " (expected: 0.0..0.5)");
      }
      this.jitter = jitter;
      return this;
    }

    /** The randomness of the jitter; used on the executor only, need not be thread-safe. */
    public Builder<C> random(RandomGenerator random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /** Where the work runs, one task at a time (default: an own daemon thread). */
    public Builder<C> executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /** Receives one line per placement, move and replacement, for logs or tests (default none). */
    public Builder<C> onEvent(Consumer<String> onEvent) {
      this.onEvent = requireNonNull(onEvent, "onEvent");
      return this;
    }

    /** Builds and starts: the first run is queued at once. */
    public LongConnections<C> build() {
      return DefaultLongConnections.start(balancer, connector, handover, connections, interval.toNanos(),
          jitter, random, executor, onEvent);
    }
  }
}
