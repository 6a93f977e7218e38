package dev.keel.proxy.upstream;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.BalancerState;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.HealthChecker;
import dev.keel.balancer.PickArgs;
import dev.keel.proxy.config.HealthSettings;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.registry.Discovery;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one way from a listener into the balancing core, for {@code http} and {@code tcp} listeners
 * alike: its {@link Balancer} (built from the listener's config), the {@link ConnectionBalancer}
 * over it (tcp connections, WebSocket tunnels), and the two ways to pick, which return the
 * endpoint's attached {@link Backend}.
 *
 * <ul>
 *   <li>{@link #pick(CharSequence)}: a request's first attempt, with its affinity key; lock-free
 *       and allocation-free.
 *   <li>{@link #pick(PickArgs)}: anything else. A retry excludes the endpoints tried; session
 *       persistence pins the instance its token names ({@link Backend#instanceId}), falling back to
 *       the policy; a request on a connection the connection balancer placed pins strictly.
 * </ul>
 *
 * A backend returned carries one request counted in flight, ended by exactly one of {@code
 * onSuccess}, {@code onFailure(FailureKind)} or {@code release()} on its {@link Backend#endpoint()}.
 * Picking never blocks and takes no lock; it is called on event loops.
 *
 * <p>Thread-safe. Owns the balancer: {@link #close()} closes it.
 */
public final class UpstreamPicker implements AutoCloseable {
  private final Balancer balancer;
  private final ConnectionBalancer connections;
  private final String policy;
  private final int connectTimeoutMillis;
  private final Subscription warmBackends;

  private UpstreamPicker(Balancer balancer, String policy, int connectTimeoutMillis) {
    this.balancer = balancer;
    this.policy = policy;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.connections = ConnectionBalancer.create(balancer);
    // Makes the backend of each new endpoint (its address resolved) on the balancer's executor,
    // when the endpoint is published, rather than on an event loop at its first pick.
    this.warmBackends = balancer.onStateChange(this::warmBackends);
    warmBackends();
  }

  /** A started picker over {@code listener.service()} as {@code discovery} reports it; the caller closes it. */
  public static UpstreamPicker start(ListenerConfig listener, Discovery discovery) {
    return start(listener, discovery, UpstreamPicker.class.getClassLoader());
  }

  /**
   * As {@link #start(ListenerConfig, Discovery)}, with the listener's policy looked up through
   * {@code policies} (the plug-ins' class loader).
   */
  public static UpstreamPicker start(ListenerConfig listener, Discovery discovery, ClassLoader policies) {
    String service = listener.service();
    if (service == null) {
      throw new IllegalArgumentException("listener '" + listener.name() + "': routes, no one service (expected: a picker "
          + "per service the routes name)");
    }
    Balancer.Builder b = Balancer.builder(discovery, service).config(config(listener)).policyLoader(policies);
    ListenerConfig.Health.Active active = listener.health().active();
    if (active != null) {
      b.healthChecker(active.path() == null ? HealthChecker.tcp() : HealthChecker.http(active.path()));
    }
    return new UpstreamPicker(b.build(), listener.policy(),
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, listener.timeouts().connect().toMillis())));
  }

  /** The balancer settings a listener's config asks for: policy, health, rebalance. */
  public static BalancerConfig config(ListenerConfig l) {
    BalancerConfig.Builder c = BalancerConfig.builder();
    if (!"tcp".equals(l.protocol())) {
      // client-ip persistence is consistent hashing of the client address
      boolean clientIp = "client-ip".equals(l.persistence().type());
      c.policy(clientIp ? "ring-hash" : l.policy());
      if (clientIp) {
        c.hashBalanceFactor(l.persistence().clientIp().effectiveHashBalanceFactor());
      }
    } else if (!l.placedByConnections()) {
      // a tcp listener's policy places each connection (ring-hash: by the client's address);
      // with least-connections its connection balancer places them and the balancer's policy never picks
      c.policy(l.policy());
    }
    HealthSettings.apply(c, l.health());
    // The config accepts a tolerance up to 10 and a rate of 0, the balancer 0..1 and more than 0:
    // clamped (a tolerance of 1 already never sheds below double the share; 0 per second means as
    // slowly as it goes, one).
    ListenerConfig.Rebalance r = l.rebalance();
    c.rebalanceTolerance(Math.min(1.0, r.tolerance()))
        .rebalanceSettle(r.settle())
        .rebalanceMaxShedPerSecond(Math.max(1, r.maxShedPerSecond()));
    return c.build();
  }

  private void warmBackends() {
    for (Endpoint e : balancer.state().members()) {
      backend(e);
    }
  }

  /** The backend of {@code e}, knowing its service's connect timeout (routes may set their own). */
  private Backend backend(Endpoint e) {
    Backend b = Backend.of(e);
    b.connectTimeoutMillis(connectTimeoutMillis);
    return b;
  }

  /** The policy's backend for {@code key} (ring-hash: client IP, cookie; null for none), or null when none is available. */
  public @Nullable Backend pick(@Nullable CharSequence key) {
    Endpoint e = balancer.pick(key);
    return e == null ? null : backend(e);
  }

  /** The backend {@code args} asks for (see {@link PickArgs}), or null. */
  public @Nullable Backend pick(PickArgs args) {
    Endpoint e = balancer.pick(args);
    return e == null ? null : backend(e);
  }

  /**
   * The connection balancer over this picker's balancer: places and rebalances a tcp listener's
   * connections and an http listener's WebSocket tunnels. Its counts are the endpoints' {@code
   * activeConnections}.
   */
  public ConnectionBalancer connections() {
    return connections;
  }

  /** What the balancer balances over now. */
  public BalancerState state() {
    return balancer.state();
  }

  /** The current members, for status and metrics. */
  public List<Backend> backends() {
    List<Endpoint> members = balancer.state().members();
    List<Backend> out = new ArrayList<>(members.size());
    for (Endpoint e : members) {
      out.add(Backend.of(e));
    }
    return out;
  }

  /** The policy name, as configured (a tcp listener's default: {@code least-connections}). */
  public String policy() {
    return policy;
  }

  /**
   * True while the backends come from the registry's snapshot cache because the registry could not
   * be reached.
   */
  public boolean stale() {
    return balancer.state().stale();
  }

  /**
   * True while fewer than the panic threshold of members are available, so ejected members are
   * picked from again (never one down by active health checks).
   */
  public boolean panic() {
    return balancer.state().panic();
  }

  @Override
  public void close() {
    warmBackends.close();
    balancer.close();
  }
}
