package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Discovery;
import dev.keel.registry.Subscription;
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
 * Endpoint e = balancer.pick(PickArgs.ANY);
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
 * <h2>One way in</h2>
 *
 * {@link #pick(PickArgs)} is the entry point: an affinity key, the endpoints already tried, an
 * instance to pin to (see {@link PickArgs} for the rule). {@link #pick(CharSequence)} is the same
 * with only a key, for a per-request key on the hot path without building arguments. Both count one
 * request in flight on the endpoint they return, ended by exactly one of {@link Endpoint#onSuccess},
 * {@link Endpoint#onFailure} or {@link Endpoint#release} (or the same words on a {@link Ticket}).
 * ({@code pick(null)} does not compile, the two overloads both take it: write {@code
 * pick(PickArgs.ANY)}.)
 *
 * <h2>Threading</h2>
 *
 * Both {@code pick}s may be called from any number of threads: they read one volatile field, take
 * no lock and allocate nothing. Membership, health, ejection and slow-start changes run on one
 * serial executor per balancer; each builds a new immutable picker and publishes it with one
 * volatile write. Listeners added with {@link #onStateChange} run on that executor: never block
 * there.
 *
 * <p>The first picker is built from {@link Discovery#resolve} before {@link Builder#build()}
 * returns, so a balancer is never seen without one.
 *
 * <h2>Ownership</h2>
 *
 * The {@link Discovery} passed in is not closed by {@link #close()}; the watch the balancer opened
 * is.
 *
 * <p>Sealed: {@link Builder#build()} makes the one implementation. What is meant to be extended is
 * the policy ({@link BalancingPolicy}), the {@link HealthChecker} and the registry (a {@code
 * RegistryProvider}).
 */
public sealed interface Balancer extends AutoCloseable permits DefaultBalancer {
  /** A builder for a balancer of {@code service} as seen by {@code discovery}. */
  static Builder builder(Discovery discovery, String service) {
    return new Builder(discovery, service);
  }

  String service();

  BalancerConfig config();

  /**
   * Picks an endpoint as {@code args} asks (see {@link PickArgs} for the rule: pinned, strict,
   * fallback to the policy; never an excluded endpoint) and counts one request in flight on it; the
   * caller ends it with exactly one report (see {@link Endpoint}). Never throws, never blocks,
   * allocates nothing; the cost grows with the size of {@code args.exclude()}.
   *
   * <p>With exclusions the result is the policy's choice when that is not excluded; otherwise
   * another available endpoint not excluded: {@code random}, {@code least-request} and {@code
   * least-response-time} re-draw (a bounded number of times), {@code round-robin} takes the next
   * slots of its schedule, {@code ring-hash} walks clockwise from the key to the next distinct
   * endpoint (so every retry of one key lands on the same second choice), and when the policy gives
   * up the balancer chooses among the remaining endpoints in proportion to their weights. Over many
   * picks the non-excluded endpoints keep their weighted shares.
   *
   * @return the endpoint, or null when none is available (the proxy answers 503), every available
   *     one is excluded, or a strict pin cannot be honoured
   */
  @Nullable Endpoint pick(PickArgs args);

  /**
   * The hot path: same as {@code pick(PickArgs.builder().key(key).build())} without building the
   * arguments.
   *
   * @param key the affinity key for {@code ring-hash} (client IP, header or cookie value); null for
   *     none. Other policies ignore it.
   * @return the endpoint, or null when none is available
   */
  @Nullable Endpoint pick(@Nullable CharSequence key);

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
    private ClassLoader policyLoader = Balancer.class.getClassLoader();

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

    /**
     * Where plug-in policies are looked up by {@link BalancerConfig#policy()} name (default: this
     * library's own class loader): an application that loads plug-in jars into a class loader of
     * its own passes it here. See {@link Policies#byName(String, ClassLoader)}.
     */
    public Builder policyLoader(ClassLoader loader) {
      this.policyLoader = requireNonNull(loader, "loader");
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
      BalancingPolicy policy = Policies.byName(config.policy(), policyLoader);
      RandomGenerator r = random != null ? random : new SplittableRandom();
      return DefaultBalancer.start(discovery, service, config, policy, clock, r, executor, healthChecker);
    }
  }
}
