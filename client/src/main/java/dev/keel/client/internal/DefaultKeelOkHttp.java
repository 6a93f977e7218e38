package dev.keel.client.internal;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerClock;
import dev.keel.client.ClientMetrics;
import dev.keel.client.KeelOkHttp;
import dev.keel.client.NoEndpointAvailableException;
import dev.keel.client.ServicePolicy;
import dev.keel.registry.Discovery;
import dev.keel.registry.RegistryClient;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link KeelOkHttp}: host matching and the per-service state, created on first use. */
public final class DefaultKeelOkHttp implements KeelOkHttp {
  private static final Logger log = LoggerFactory.getLogger(DefaultKeelOkHttp.class);

  private final Discovery discovery;
  private final @Nullable Map<String, String> explicit; // lower-cased host -> service name
  private final boolean singleLabelHosts; // single-label hosts are services even when some are named
  private final Map<String, @Nullable ServicePolicy> policies;
  private final ServicePolicy defaultPolicy;
  private final Set<String> tlsNames; // configured tlsServerNames, for checkPins
  private final BalancerClock clock;
  private final ClientMetrics metrics;
  private final ConcurrentHashMap<String, Lazy> services = new ConcurrentHashMap<>();
  private final BalancingInterceptor interceptor = new BalancingInterceptor(this);
  private final Attempt.SentMarker sentMarker = new Attempt.SentMarker();
  private final InstanceTargets targets;
  private volatile boolean closed;

  public DefaultKeelOkHttp(Discovery discovery, Map<String, @Nullable ServicePolicy> services,
      boolean singleLabelHosts, ServicePolicy defaultPolicy, BalancerClock clock, ClientMetrics metrics) {
    this.singleLabelHosts = singleLabelHosts;
    this.discovery = discovery;
    this.policies = new HashMap<>(services);
    Set<String> names = new HashSet<>();
    for (ServicePolicy p : services.values()) {
      String name = p != null ? p.tlsServerName() : null;
      if (name != null) {
        names.add(name);
      }
    }
    String defaultName = defaultPolicy.tlsServerName();
    if (defaultName != null) {
      names.add(defaultName);
    }
    this.tlsNames = Set.copyOf(names);
    Map<String, String> hosts = new HashMap<>();
    services.keySet().forEach(s -> hosts.put(s.toLowerCase(Locale.ROOT), s));
    this.explicit = hosts.isEmpty() ? null : hosts;
    this.defaultPolicy = defaultPolicy;
    this.clock = clock;
    this.metrics = metrics;
    this.targets = new InstanceTargets(clock::nanoTime);
    if (discovery instanceof RegistryClient) {
      metrics.registry((RegistryClient) discovery);
    }
  }

  @Override
  public OkHttpClient.Builder install(OkHttpClient.Builder builder) {
    if (builder.interceptors().contains(interceptor)) {
      return builder;
    }
    // The builder does not show its settings to Java; a client built from it shows what it will use.
    OkHttpClient current = builder.build();
    checkPins(current.certificatePinner());
    TlsByName.install(builder, current, targets);
    return builder.addInterceptor(interceptor).addNetworkInterceptor(sentMarker);
  }

  /**
   * Refuses certificate pins for names Keel verifies. OkHttp checks pins against the URL's host,
   * which for a Keel service is a per-instance name ({@link InstanceTargets}), so such pins would
   * silently never apply. Trust only the services' CA (the client's trust manager) instead.
   */
  private void checkPins(CertificatePinner pinner) {
    for (CertificatePinner.Pin pin : pinner.getPins()) {
      String pattern = pin.getPattern();
      String host = pattern.startsWith("**.") ? pattern.substring(3)
          : pattern.startsWith("*.") ? pattern.substring(2) : pattern;
      if (serviceName(host) != null || tlsNames.contains(host)) {
        throw new IllegalArgumentException("certificatePinner: a pin for '" + pattern + "' (expected: none for "
            + "the names of Keel services, whose certificates Keel verifies itself; trust only their CA instead)");
      }
    }
  }

  @Override
  public @Nullable String serviceName(String host) {
    if (explicit != null) {
      String named = explicit.get(host.toLowerCase(Locale.ROOT));
      if (named != null || !singleLabelHosts) {
        return named;
      }
    }
    boolean singleLabel = !host.isEmpty() && host.indexOf('.') < 0 && host.indexOf(':') < 0;
    return singleLabel && !host.equalsIgnoreCase("localhost") ? host.toLowerCase(Locale.ROOT) : null;
  }

  @Override
  public @Nullable Balancer balancer(String service) {
    Lazy lazy = services.get(service);
    ServiceCalls calls = lazy == null ? null : lazy.value;
    if (calls == null) {
      // A name with capitals is started under the lower-cased URL host that found it.
      Lazy byHost = services.get(service.toLowerCase(Locale.ROOT));
      ServiceCalls found = byHost == null ? null : byHost.value;
      calls = found != null && found.name().equals(service) ? found : null;
    }
    return calls == null ? null : calls.balancer();
  }

  /**
   * The registered name a lower-cased URL host stands for: the host itself when the registry has
   * instances under it, else the one registered name equal to it ignoring case (OkHttp lower-cases
   * hosts, registries keep case: {@code http://OrderService/} must reach {@code OrderService}).
   * With none, or several, the host stays; the call's error then says why.
   */
  private String registeredName(String host) {
    if (explicit != null || !(discovery instanceof RegistryClient)) {
      return host;
    }
    RegistryClient registry = (RegistryClient) discovery;
    try {
      if (!registry.resolve(host).isEmpty()) {
        return host;
      }
      List<String> matches = registry.services().stream().filter(s -> s.equalsIgnoreCase(host)).toList();
      return matches.size() == 1 ? matches.get(0) : host;
    } catch (RuntimeException e) { // unreachable, or cannot list: the balancer and the error tell
      log.debug("{}: no case-insensitive match looked up ({})", host, e.toString());
      return host;
    }
  }

  /** The service {@code host} stands for, started on first use; null when the host passes through. */
  @Nullable ServiceCalls serviceFor(String host) throws NoEndpointAvailableException {
    String name = serviceName(host);
    if (name == null) {
      return null;
    }
    if (closed) {
      throw new NoEndpointAvailableException(name, "client closed");
    }
    return services.computeIfAbsent(name, Lazy::new).get();
  }

  @Override
  public void close() {
    closed = true;
    for (Lazy lazy : services.values()) {
      ServiceCalls calls = lazy.value;
      if (calls != null) {
        calls.close();
      }
    }
  }

  /**
   * Starts a service's balancer outside the map's lock (the first resolve may block). A race with
   * {@link #close()} is settled by the volatile pair value/closed: whichever side runs second sees the
   * other's write and closes the balancer (closing twice is harmless).
   */
  private final class Lazy {
    private final String name;
    private volatile @Nullable ServiceCalls value;

    Lazy(String name) {
      this.name = name;
    }

    ServiceCalls get() throws NoEndpointAvailableException {
      ServiceCalls v = value;
      if (v == null) {
        synchronized (this) {
          v = value;
          if (v == null) {
            ServicePolicy p = policies.get(name);
            String registered = registeredName(name);
            v = ServiceCalls.start(discovery, registered, name, p != null ? p : defaultPolicy, clock, metrics, targets);
            value = v;
            log.debug("{}: balancer started ({})", name, v.policy());
          }
        }
      }
      if (closed) {
        v.close();
        throw new NoEndpointAvailableException(name, "client closed");
      }
      return v;
    }
  }
}
