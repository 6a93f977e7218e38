package dev.keel.proxy.upstream;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.HealthChecker;
import dev.keel.proxy.config.HealthSettings;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.registry.Discovery;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * An {@link UpstreamPicker} over the shared {@code keel-balancer}: policies by name, outcome
 * reports, passive outlier ejection and active health checks from the listener's config.
 *
 * <p>Backends are kept per endpoint (identity): created when the balancer publishes a state that
 * holds a new endpoint (on its serial executor) or, in a race, on first pick; marked removed when
 * their endpoint leaves. Picking looks one up in a concurrent map: no lock, no allocation.
 * Persisted requests are pinned through {@link Balancer#pin}, so they are counted in flight and
 * reported like picks; retries use the balancer's exclusion pick, with the request's key.
 */
public final class BalancerPicker implements UpstreamPicker {
  private final Balancer balancer;
  private final Map<Endpoint, Backend> backends = new ConcurrentHashMap<>();
  private final Map<String, Backend> byToken = new ConcurrentHashMap<>();
  private final Subscription stateChanges;
  private final ConnectionBalancer connections;

  public BalancerPicker(Discovery discovery, ListenerConfig listener) {
    Balancer.Builder b = Balancer.builder(discovery, listener.service()).config(config(listener));
    ListenerConfig.Health.Active active = listener.health().active();
    if (active != null) {
      b.healthChecker(active.path() == null ? HealthChecker.tcp() : HealthChecker.http(active.path()));
    }
    this.balancer = b.build();
    this.stateChanges = balancer.onStateChange(this::sync);
    this.connections = ConnectionBalancer.create(balancer);
    sync();
  }

  /** The balancer settings a listener's config asks for. */
  static BalancerConfig config(ListenerConfig l) {
    BalancerConfig.Builder c = BalancerConfig.builder()
        // client-ip persistence is consistent hashing of the client address
        .policy("client-ip".equals(l.persistence().type()) ? "ring-hash" : l.policy());
    HealthSettings.apply(c, l.health());
    rebalance(c, l.rebalance());
    return c.build();
  }

  /**
   * Applies a listener's {@code rebalance} section. The config accepts a tolerance up to 10 and a
   * rate of 0, the balancer 0..1 and more than 0: clamped (a tolerance of 1 already never sheds
   * below double the share; 0 per second means as slowly as it goes, one).
   */
  public static BalancerConfig.Builder rebalance(BalancerConfig.Builder b, ListenerConfig.Rebalance r) {
    return b.rebalanceTolerance(Math.min(1.0, r.tolerance()))
        .rebalanceSettle(r.settle())
        .rebalanceMaxShedPerSecond(Math.max(1, r.maxShedPerSecond()));
  }

  /**
   * The connection balancer over this picker's balancer: places and rebalances the listener's
   * WebSocket tunnels. Its counts are the endpoints' {@code activeConnections}.
   */
  public ConnectionBalancer connections() {
    return connections;
  }

  private void sync() {
    Set<Endpoint> members = new HashSet<>(balancer.state().members());
    for (Endpoint e : members) {
      Backend b = backends.computeIfAbsent(e, Backend::new);
      byToken.put(b.token(), b);
    }
    backends.entrySet().removeIf(entry -> {
      if (!members.contains(entry.getKey())) {
        entry.getValue().markRemoved();
        byToken.remove(entry.getValue().token(), entry.getValue());
        return true;
      }
      return false;
    });
  }

  @Override
  public @Nullable Backend pick(@Nullable Backend exclude, @Nullable CharSequence key) {
    Endpoint e = exclude == null ? null : balancer.pick(key, List.of(exclude.endpoint()));
    return backend(e != null ? e : balancer.pick(key));
  }

  /** The balancer's exclusion pick: exact, never a tried endpoint while another is available. */
  @Override
  public @Nullable Backend pickExcluding(@Nullable CharSequence key, Collection<? extends Endpoint> tried) {
    return backend(balancer.pick(key, tried));
  }

  /** The token names a member; the balancer pins to it only while it is available, and counts it. */
  @Override
  public @Nullable Backend pin(CharSequence token) {
    Backend b = byToken.get(token.toString());
    return b == null ? null : backend(balancer.pin(b.id()));
  }

  /**
   * The backend of {@code endpoint} with one request counted in flight on it, like {@link #pin},
   * while it is available; else null. Sends a request where a {@link ConnectionBalancer} placed it.
   */
  @Override
  public @Nullable Backend pin(Endpoint endpoint) {
    return backend(balancer.pin(endpoint.id()));
  }

  private @Nullable Backend backend(@Nullable Endpoint e) {
    if (e == null) {
      return null;
    }
    Backend b = backends.get(e);
    return b != null ? b : backends.computeIfAbsent(e, Backend::new);
  }

  @Override
  public @Nullable Backend byToken(CharSequence token) {
    Backend b = byToken.get(token.toString());
    return b != null && !b.removed() && b.healthy() ? b : null;
  }

  @Override
  public List<Backend> backends() {
    List<Backend> out = new ArrayList<>();
    for (Endpoint e : balancer.state().members()) {
      Backend b = backends.get(e);
      out.add(b != null ? b : new Backend(e));
    }
    return out;
  }

  @Override
  public String policy() {
    return balancer.config().policy();
  }

  @Override
  public boolean stale() {
    return balancer.state().stale();
  }

  @Override
  public boolean panic() {
    return balancer.state().panic();
  }

  @Override
  public void close() {
    stateChanges.close();
    balancer.close();
  }
}
