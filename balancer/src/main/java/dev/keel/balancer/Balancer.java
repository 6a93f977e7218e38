package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.internal.DefaultBalancer;
import dev.keel.balancer.internal.OneShotTicket;
import dev.keel.registry.Discovery;
import dev.keel.registry.Subscription;
import java.util.Collection;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Balances requests over the instances of one service, as {@link Discovery} reports them.
 *
 * <pre>{@code
 * Balancer balancer = Balancer.builder(discovery, "orders")
 *     .config(BalancerConfig.builder().policy("least-request").build())
 *     .healthChecker(HealthChecker.http("/health"))   // optional
 *     .build();
 * Endpoint e = balancer.pick(null);
 * if (e == null) { ... 503: none available ... }
 * long start = System.nanoTime();
 * try {
 *   ... send to e.instance().host():e.instance().port() ...
 *   e.onSuccess(System.nanoTime() - start);
 * } catch (IOException ex) {
 *   e.onFailure(FailureKind.CONNECT);
 * }
 * }</pre>
 *
 * <h2>Threading</h2>
 *
 * {@link #pick}, {@link #begin}, {@link #pin} and {@link #beginPinned} may be called from any number
 * of threads: they read one volatile field, take no lock and allocate nothing (the {@code begin}
 * methods allocate their ticket). Membership, health,
 * ejection and slow-start changes run on one serial executor per balancer; each builds a new
 * immutable picker and publishes it with one volatile write. Listeners added with {@link
 * #onStateChange} run on that executor: never block there.
 *
 * <p>The first picker is built from {@link Discovery#resolve} before {@link Builder#build()}
 * returns, so a balancer is never seen without one.
 *
 * <h2>Ownership</h2>
 *
 * The {@link Discovery} passed in is not closed by {@link #close()}; the watch the balancer opened
 * is.
 */
public interface Balancer extends AutoCloseable {
  /** A builder for a balancer of {@code service} as seen by {@code discovery}. */
  static Builder builder(Discovery discovery, String service) {
    return new Builder(discovery, service);
  }

  String service();

  BalancerConfig config();

  /**
   * Picks an endpoint and counts one request in flight on it; the caller must end it with exactly
   * one report (see {@link Endpoint}). Never throws, never blocks, allocates nothing.
   *
   * @param key the affinity key for {@code ring-hash} (client IP, header or cookie value); null for
   *     none. Other policies ignore it.
   * @return the endpoint, or null when none is available (the proxy answers 503)
   */
  @Nullable Endpoint pick(@Nullable CharSequence key);

  /** Same as {@code pick(null)}. */
  default @Nullable Endpoint pick() {
    return pick(null);
  }

  /**
   * Like {@link #pick(CharSequence)}, but returns a {@link Ticket} whose reports are idempotent
   * (one small allocation per call).
   *
   * @return the ticket, or null when none is available
   */
  @Nullable Ticket begin(@Nullable CharSequence key);

  /**
   * Picks an endpoint that is not in {@code exclude}, for a retry on another instance, and counts
   * one request in flight on it (end it with exactly one report, as for {@link
   * #pick(CharSequence)}).
   *
   * <ul>
   *   <li>The result is the policy's choice when that is not excluded; otherwise another available
   *       endpoint not in {@code exclude}: {@code random}, {@code least-request} and {@code
   *       least-response-time} re-draw (a bounded number of times), {@code round-robin} takes the
   *       next slots of its schedule, {@code ring-hash} walks clockwise from the key to the next
   *       distinct endpoint (so every retry of one key lands on the same second choice), and when
   *       the policy gives up the balancer chooses among the remaining endpoints in proportion to
   *       their weights. Over many picks the non-excluded endpoints keep their weighted shares.
   *   <li>It never returns an excluded endpoint. It returns null only when every available
   *       endpoint is excluded (or none is available). In panic mode every member with weight &gt;
   *       0 counts as available, so it may return any such member not excluded.
   *   <li>{@code exclude} is compared with {@code contains} (identity for endpoints); endpoints that
   *       are not (or no longer) members are simply never candidates. Pass the endpoints already
   *       tried for the request, as a small list or a set.
   * </ul>
   *
   * Thread-safe and lock-free like {@link #pick(CharSequence)}; with an empty {@code exclude} it is
   * exactly {@code pick(key)} and allocates nothing; otherwise it allocates nothing either, and its
   * cost grows with the cost of {@code exclude.contains}.
   *
   * <p>The default implementation, for balancers other than Keel's (whose implementation has the
   * exact contract above), re-draws with {@code pick} a bounded number of times, releasing excluded
   * picks; it may return null while a non-excluded endpoint exists.
   *
   * @param key the affinity key, as for {@link #pick(CharSequence)}; null for none
   * @param exclude endpoints not to return, typically those already tried for this request
   * @return the endpoint, or null when every available endpoint is excluded or none is available
   */
  default @Nullable Endpoint pick(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
    requireNonNull(exclude, "exclude");
    if (exclude.isEmpty()) {
      return pick(key);
    }
    int limit = state().available().size() + 2;
    for (int draw = 0; draw < limit; draw++) {
      Endpoint e = pick(draw == 0 ? key : null);
      if (e == null || !exclude.contains(e)) {
        return e;
      }
      e.release();
    }
    return null;
  }

  /**
   * Like {@link #pick(CharSequence, Collection)}, but returns a {@link Ticket} whose reports are
   * idempotent (one small allocation per call).
   *
   * @return the ticket, or null when every available endpoint is excluded or none is available
   */
  default @Nullable Ticket begin(@Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
    Endpoint e = pick(key, exclude);
    return e == null ? null : OneShotTicket.of(e);
  }

  /**
   * Pins a request to the endpoint of instance {@code instanceId}, chosen by the caller rather than
   * the policy (session persistence: a cookie or a client that names its backend), and counts one
   * request in flight on it exactly as {@link #pick(CharSequence)} does: end it with exactly one
   * report (see {@link Endpoint}). Its report feeds peak EWMA, the failure counts and outlier
   * ejection like any other.
   *
   * <ul>
   *   <li>It returns the endpoint only while it is available: a member of {@link
   *       BalancerState#available() state().available()}, so healthy by active checks, not ejected
   *       and with weight &gt; 0; in panic mode any member with weight &gt; 0. Otherwise (unknown
   *       or removed id, down, ejected, weight 0, closed balancer) it returns null, counts nothing,
   *       and the caller should fall back to {@link #pick(CharSequence)}.
   *   <li>The policy is not consulted, so the pinned request takes no round-robin turn; it does
   *       count towards the in-flight load that {@code least-request} and ring-hash bounded load
   *       read.
   * </ul>
   *
   * Thread-safe, lock-free and allocation-free: one lookup by id in an immutable map published
   * with each picker (built off the hot path).
   *
   * <p>The default implementation, for balancers other than Keel's, cannot count a request on a
   * chosen endpoint and always returns null, so callers fall back to picking.
   *
   * @param instanceId the {@link Endpoint#id()} (the registry's instance id)
   * @return the endpoint, with one request in flight, or null when it is not available
   */
  default @Nullable Endpoint pin(String instanceId) {
    requireNonNull(instanceId, "instanceId");
    return null;
  }

  /**
   * Like {@link #pin(String)}, but returns a {@link Ticket} whose reports are idempotent (one small
   * allocation per call).
   *
   * @return the ticket, or null when the endpoint is not available
   */
  default @Nullable Ticket beginPinned(String instanceId) {
    Endpoint e = pin(instanceId);
    return e == null ? null : OneShotTicket.of(e);
  }

  /** What the current picker balances over. */
  BalancerState state();

  /** The balancer's clock (the one given to the builder). */
  BalancerClock clock();

  /**
   * Calls {@code listener} on the serial executor after every published picker, until the returned
   * subscription is closed. Never block in it.
   */
  Subscription onStateChange(Runnable listener);

  /**
   * Stops watching discovery, health checking and timers; once that has run on the serial executor
   * (at once with a direct executor) {@link #pick} returns null. Idempotent. Endpoints already
   * picked may still be reported.
   */
  @Override
  void close();

  /** Builder of a {@link Balancer}; not thread-safe. */
  final class Builder {
    private final Discovery discovery;
    private final String service;
    private BalancerConfig config = BalancerConfig.defaults();
    private BalancerClock clock = BalancerClock.system();
    private @Nullable RandomGenerator random;
    private @Nullable Executor executor;
    private @Nullable HealthChecker healthChecker;

    private Builder(Discovery discovery, String service) {
      this.discovery = requireNonNull(discovery, "discovery");
      this.service = requireNonNull(service, "service");
      if (service.isBlank()) {
        throw new IllegalArgumentException("service: '" + service + "' (expected: non-blank)");
      }
    }

    public Builder config(BalancerConfig config) {
      this.config = requireNonNull(config, "config");
      return this;
    }

    /** Time and timers (default {@link BalancerClock#system()}). */
    public Builder clock(BalancerClock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The source of randomness (default a {@link SplittableRandom} seeded from the time). Only the
     * serial executor draws from it (one seed per picker), so it need not be thread-safe; a seeded
     * generator makes a single-threaded run repeatable.
     */
    public Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * Where state changes run, serialised (default a shared pool of daemon threads). A direct
     * executor ({@code Runnable::run}) makes every change synchronous, which tests like.
     */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /** Turns on active health checks with {@code checker} (default: off). */
    public Builder healthChecker(HealthChecker checker) {
      this.healthChecker = requireNonNull(checker, "checker");
      return this;
    }

    /**
     * Builds and starts the balancer: resolves the service, builds the first picker, then watches.
     *
     * @throws IllegalArgumentException when the configured policy is unknown
     */
    public Balancer build() {
      BalancingPolicy policy = Policies.byName(config.policy());
      RandomGenerator r = random != null ? random : new SplittableRandom();
      return DefaultBalancer.start(discovery, service, config, policy, clock, r, executor, healthChecker);
    }
  }
}
