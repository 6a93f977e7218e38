package dev.keel.proxy.config;

import dev.keel.balancer.BalancerConfig;
import dev.keel.proxy.accesslog.AccessLogConfig;
import dev.keel.proxy.config.ListenerConfig.Health;
import dev.keel.proxy.config.ListenerConfig.Limits;
import dev.keel.proxy.config.ListenerConfig.Persistence;
import dev.keel.proxy.config.ListenerConfig.Rebalance;
import dev.keel.proxy.config.ListenerConfig.Retries;
import dev.keel.proxy.config.ListenerConfig.Timeouts;
import dev.keel.proxy.config.ListenerConfig.Upstream;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.proxy.tls.ServerTls;
import dev.keel.registry.Registries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link ProxyConfig} from YAML: defaults for what is absent, {@code ${ENV}} and
 * {@code ${ENV:-default}} interpolation in values, and a {@link ConfigException} naming the line,
 * the key and what was expected for anything wrong, including unknown keys.
 */
public final class ConfigLoader {
  private final Function<String, @Nullable String> env;
  private final @Nullable Path pluginPath;
  private final @Nullable Plugins running;

  /**
   * A loader reading {@code ${NAME}} from {@code env}. Plug-ins come from the file's {@code
   * plugin-path}, else a {@code plugins/} directory beside the file when there is one; they are
   * loaded (and checked) by every read.
   */
  public ConfigLoader(Function<String, @Nullable String> env) {
    this(env, null, null);
  }

  private ConfigLoader(Function<String, @Nullable String> env, @Nullable Path pluginPath, @Nullable Plugins running) {
    this.env = env;
    this.pluginPath = pluginPath;
    this.running = running;
  }

  /** Plug-ins from {@code dir} ({@code --plugin-path}), whatever the file says. */
  public ConfigLoader withPluginPath(@Nullable Path dir) {
    return new ConfigLoader(env, dir, running);
  }

  /**
   * For reloads: the plug-ins loaded at start-up are used, and none are loaded; a file that names
   * another directory gets a warning (plug-ins change at a restart only, see {@link Plugins}).
   */
  public ConfigLoader withLoadedPlugins(Plugins loaded) {
    return new ConfigLoader(env, pluginPath, loaded);
  }

  /** A loader reading the process environment. */
  public static ConfigLoader withSystemEnv() {
    return new ConfigLoader(System::getenv);
  }

  /**
   * A config as read, what an operator should be told about it although it is usable, and the
   * plug-ins it was checked against (loaded by this read, unless the loader was given loaded ones:
   * then the caller owns them and closes them once the proxy built from the config is stopped).
   */
  public record Loaded(ProxyConfig config, List<String> warnings, Plugins plugins) {
    public Loaded {
      warnings = List.copyOf(warnings);
    }

    /** Without plug-ins. */
    public Loaded(ProxyConfig config, List<String> warnings) {
      this(config, warnings, Plugins.none());
    }
  }

  public ProxyConfig load(Path file) {
    return read(file).config();
  }

  /**
   * Reads {@code file}, with warnings about its permissions ({@link ConfigFiles}) and the secrets
   * and keys it holds.
   *
   * @throws ConfigException naming the file, the line and the key
   */
  public Loaded read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
    }
    Parsed loaded;
    try {
      loaded = parseText(text, file.toString());
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage());
    }
    List<String> warnings = new ArrayList<>(ConfigFiles.warnings(file));
    if (!loaded.inlineSecrets().isEmpty() && ConfigFiles.readableByOthers(file)) {
      warnings.add(file + " is readable by every user of this machine and holds " + String.join(", ", loaded.inlineSecrets())
          + " in clear (expected: ${NAME} from the environment, or chmod o-r)");
    }
    for (String w : loaded.warnings()) {
      warnings.add(file + ": " + w);
    }
    return new Loaded(loaded.config(), warnings, loaded.plugins());
  }

  public ProxyConfig parse(String yaml, @Nullable String source) {
    return parseWithWarnings(yaml, source).config();
  }

  /** What a parse found: the config, warnings, which secrets were written in the text itself, its plug-ins. */
  private record Parsed(ProxyConfig config, List<String> warnings, List<String> inlineSecrets, Plugins plugins) {}

  /** {@link #parse}, with the warnings about the text (an empty admin token, readable keys). */
  public Loaded parseWithWarnings(String yaml, @Nullable String source) {
    Parsed p = parseText(yaml, source);
    return new Loaded(p.config(), p.warnings(), p.plugins());
  }

  private Parsed parseText(String yaml, @Nullable String source) {
    EnvInterpolator interpolator = new EnvInterpolator(env);
    Fields root = new Fields(YamlTree.parse(yaml), "", interpolator);
    List<String> warnings = new ArrayList<>();
    Plugins plugins = PluginPaths.plugins(root, source, pluginPath, running, warnings);
    try {
      return parseText(root, interpolator, source, warnings, plugins);
    } catch (RuntimeException e) {
      if (plugins != running) {
        plugins.close(); // loaded for a config that cannot be used
      }
      throw e;
    }
  }

  private Parsed parseText(Fields root, EnvInterpolator interpolator, @Nullable String source, List<String> warnings,
      Plugins plugins) {
    List<String> inlineSecrets = new ArrayList<>();
    String registry = root.required("registry", "a registry URI such as static://127.0.0.1:9001 or zookeeper://127.0.0.1:2181/services");
    try {
      // what start-up would refuse (scheme, hosts, ports, parameters), without connecting
      Registries.validate(registry, plugins.classLoader());
    } catch (IllegalArgumentException e) {
      throw root.error("registry", String.valueOf(e.getMessage()));
    }
    if (!root.interpolated("registry") && Secrets.registryHasCredentials(registry)) {
      inlineSecrets.add("registry credentials (line " + root.line("registry") + ")");
    }
    AdminConfig admin = admin(root.map("admin"), warnings, inlineSecrets);
    int workers = root.integer("workers", 0, 0, 1024);
    Duration grace = root.duration("shutdown-grace", Duration.ofSeconds(10));
    List<ConfigNode> items = root.list("listeners");
    if (items.isEmpty()) {
      throw root.error("listeners", "missing or empty (expected: a list of listeners, each with name, listen, service)");
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<HostPort> addresses = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String path = "listeners[" + i + "]";
      ListenerConfig l = listener(new Fields(items.get(i), path, interpolator), warnings, plugins.policies());
      if (!names.add(l.name())) {
        throw ConfigException.at(items.get(i).line, path + ".name", "'" + l.name() + "' is used by another listener (expected: unique names)");
      }
      if (l.listen().port() != 0 && !addresses.add(l.listen())) {
        throw ConfigException.at(items.get(i).line, path + ".listen", "'" + l.listen() + "' is used by another listener (expected: unique addresses)");
      }
      listeners.add(l);
    }
    root.done();
    return new Parsed(new ProxyConfig(registry, admin, listeners, workers, grace, source, plugins.directory()), warnings,
        inlineSecrets, plugins);
  }

  private static AdminConfig admin(@Nullable Fields f, List<String> warnings, List<String> inlineSecrets) {
    if (f == null) {
      return AdminConfig.defaults();
    }
    boolean enabled = f.bool("enabled", true);
    HostPort listen = f.parsed("listen", AdminConfig.DEFAULT_LISTEN, "host:port", HostPort::parse);
    String token = f.string("token");
    List<String> hosts = f.parsedList("allowed-hosts", "a host name or address, without port", ConfigLoader::hostName);
    int maxConnections = f.integer("max-connections", AdminConfig.DEFAULT_MAX_CONNECTIONS, 1, 100_000);
    Duration timeout = aboveZero(f, "timeout", f.duration("timeout", AdminConfig.DEFAULT_REQUEST_TIMEOUT));
    f.done();
    if (token != null && token.isEmpty() && enabled) {
      // '${ADMIN_TOKEN:-}' with the variable unset: the operator meant a token and gets none.
      warnings.add("line " + f.line("token") + ": admin.token: '" + f.written("token") + "' is empty, so /status and"
          + " /metrics need no token (expected: a non-empty token; without one the admin port answers only Host names"
          + " that are loopback, its listen address or in admin.allowed-hosts)");
    }
    if (token != null && !token.isEmpty() && !f.interpolated("token")) {
      inlineSecrets.add("admin.token (line " + f.line("token") + ")");
    }
    return new AdminConfig(enabled ? listen : null, token == null || token.isEmpty() ? null : token, hosts, maxConnections,
        timeout);
  }

  /** A Host name as the admin endpoint compares it: lower case, no port, no brackets. */
  private static String hostName(String s) {
    String h = s.toLowerCase(java.util.Locale.ROOT);
    if (h.isEmpty() || (h.indexOf(':') >= 0 && !h.matches("[0-9a-f:.]+")) || !h.matches("[a-z0-9.:_-]+")) {
      throw new IllegalArgumentException("host: '" + s + "' (expected: a host name or address, without port)");
    }
    return h;
  }

  private static ListenerConfig listener(Fields f, List<String> warnings, List<String> policies) {
    String name = f.required("name", "a listener name");
    HostPort listen = f.parsedOrNull("listen", "host:port", HostPort::parse);
    if (listen == null) {
      throw f.error("listen", "missing (expected: host:port)");
    }
    String protocol = f.oneOf("protocol", "http", ListenerConfig.PROTOCOLS);
    String service = f.string("service");
    boolean routed = !f.list("routes").isEmpty();
    if (service != null && routed) {
      throw f.error("service", "'" + service + "' together with routes (expected: either service, or routes that name "
          + "the service of each request)");
    }
    if (!routed && (service == null || service.isBlank())) {
      throw f.error("service", "missing (expected: the service name to balance to, or routes)");
    }
    String policy = policy(f, protocol, policies);
    Persistence persistence = PersistenceSection.read(f.map("persistence"), Persistence.NONE);
    Health health = health(f.map("health"), Health.defaults());
    Timeouts timeouts = timeouts(f.map("timeouts"));
    Fields rebalanceFields = f.map("rebalance");
    Rebalance rebalance = rebalance(rebalanceFields);
    if ("tcp".equals(protocol) && !ListenerConfig.LEAST_CONNECTIONS.equals(policy)) {
      // The policy places each connection; shedding toward even counts would fight it (a shed
      // ring-hash connection reconnects to the instance it left).
      if (rebalanceFields != null && rebalance.enabled()) {
        throw f.error("rebalance", "rebalancing applies to tcp listeners with policy " + ListenerConfig.LEAST_CONNECTIONS
            + " (expected: no rebalance section, or enabled: false, with policy '" + policy + "', which places each"
            + " connection itself)");
      }
      rebalance = new Rebalance(false, rebalance.tolerance(), rebalance.settle(), rebalance.maxShedPerSecond());
    }
    Retries retries = retries(f.map("retries"), Retries.defaults());
    Limits limits = limits(f.map("limits"));
    List<Cidr> trusted = f.parsedList("trusted-proxies", "an address or block like 10.0.0.0/8", Cidr::parse);
    List<String> clientHeaders = ListenerConfig.DEFAULT_CLIENT_ADDRESS_HEADERS;
    if (f.has("client-address-headers")) {
      clientHeaders = f.parsedList("client-address-headers", "a header name like X-Real-IP", ConfigLoader::headerName);
    }
    ServerTls tls = TlsSections.server(f.map("tls"), warnings);
    Upstream upstream = UpstreamSection.read(f.map("upstream"), protocol, warnings);
    int maxConnections = f.integer("max-connections", 0, 0, 10_000_000);
    String proxyProtocol = f.oneOf("proxy-protocol", "none", ListenerConfig.PROXY_PROTOCOLS);
    List<RouteConfig> routes = RoutesSection.routes(f, new RoutesSection.Base(protocol, policy, policies, persistence,
        health, timeouts, retries, tls != null));
    ServicesConfig services = RoutesSection.services(f.map("services"));
    AccessLogConfig accessLog = AccessLogSection.read(f.map("access-log"), protocol);
    Http2Config http2 = Http2Section.read(f);
    f.done();
    return new ListenerConfig(name, listen, protocol, routed ? null : service, policy, persistence, health, timeouts,
        rebalance, retries, limits, trusted, clientHeaders, tls, upstream, maxConnections, proxyProtocol, routes, services,
        accessLog, http2);
  }

  /** True for an HTTP token (RFC 9110 §5.6.2): a field name. */
  static boolean token(String s) {
    return !s.isEmpty() && s.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0));
  }

  /**
   * A listener's policy: the built-ins and plug-ins' ({@code policies}), and on tcp listeners
   * {@code least-connections} too, their default.
   */
  private static String policy(Fields f, String protocol, List<String> policies) {
    if (!"tcp".equals(protocol)) {
      if (ListenerConfig.LEAST_CONNECTIONS.equals(f.string("policy"))) {
        throw f.error("policy", "'" + ListenerConfig.LEAST_CONNECTIONS + "' places tcp connections (expected on an http"
            + " listener: least-request, which counts requests in flight, or one of " + String.join(", ", policies) + ")");
      }
      return f.oneOf("policy", ListenerConfig.defaultPolicy(protocol), policies);
    }
    TreeSet<String> tcp = new TreeSet<>(policies);
    tcp.add(ListenerConfig.LEAST_CONNECTIONS);
    return f.oneOf("policy", ListenerConfig.defaultPolicy(protocol), List.copyOf(tcp));
  }

  private static String headerName(String s) {
    if (!token(s)) {
      throw new IllegalArgumentException("header: '" + s + "' (expected: a header name like X-Real-IP)");
    }
    String lower = s.toLowerCase(java.util.Locale.ROOT);
    if (lower.equals("host") || (lower.startsWith("x-forwarded-") && !lower.equals("x-forwarded-client-cert"))) {
      throw new IllegalArgumentException("header: '" + s + "' (expected: a header other than Host and X-Forwarded-For/-Proto/-Host,"
          + " which the proxy sets itself)");
    }
    return lower;
  }

  /** {@code retries} over {@code base} (a route's over its listener's). */
  static Retries retries(@Nullable Fields r, Retries base) {
    if (r == null) {
      return base;
    }
    Retries retries = new Retries(r.integer("attempts", base.attempts(), 0, 10));
    r.done();
    return retries;
  }

  /** {@code health} over {@code d} (a route's over its listener's, key by key). */
  static Health health(@Nullable Fields f, Health d) {
    if (f == null) {
      return d;
    }
    Health.Active active = d.active();
    Fields a = f.map("active");
    if (a != null) {
      Health.Active b = active != null ? active : new Health.Active(Duration.ofSeconds(2), Duration.ofSeconds(1), null, 2, 3);
      Duration interval = aboveZero(a, "interval", a.duration("interval", b.interval()));
      Duration timeout = aboveZero(a, "timeout", a.duration("timeout", b.timeout()));
      String path = a.string("path");
      active = new Health.Active(interval, timeout, path != null ? path : b.path(), a.integer("rise", b.rise(), 1, 100),
          a.integer("fall", b.fall(), 1, 100));
      a.done();
    }
    Health.Passive passive = passive(f.map("passive"), d.passive());
    double panic = f.decimal("panic-threshold", d.panicThreshold(), 0, 1);
    Duration slowStart = f.duration("slow-start", d.slowStart());
    f.done();
    Health health = new Health(active, passive, panic, slowStart);
    try {
      // What the listeners will build from it: anything the balancer refuses fails here, not at start.
      HealthSettings.apply(BalancerConfig.builder(), health).build();
    } catch (IllegalArgumentException e) {
      throw f.error("refused by the balancer: " + e.getMessage());
    }
    return health;
  }

  private static Health.Passive passive(@Nullable Fields p, Health.Passive d) {
    if (p == null) {
      return d;
    }
    int failures = p.integer("consecutive-failures", d.consecutiveFailures(), 0, 1000);
    Duration ejection = p.duration("ejection", d.ejection());
    // Absent, the cap follows a longer base time up (as Envoy's max_ejection_time does); set, it must reach it.
    Duration maxEjection = aboveZero(p, "max-ejection", p.duration("max-ejection", Health.Passive.defaultMaxEjection(ejection)));
    if (!ejection.isZero() && maxEjection.compareTo(ejection) < 0) {
      String base = p.has("ejection") ? "'" + p.shownValue("ejection") + "'" : d.ejection().toSeconds() + "s by default";
      throw p.error("max-ejection", "'" + p.shownValue("max-ejection") + "' (expected: at least ejection, " + base + ")");
    }
    double maxShare = p.decimal("max-ejection-share", d.maxEjectionShare(), 0, 1);
    double failureRate = p.decimal("failure-rate", d.failureRate(), 0, 1);
    int minimumRequests = p.integer("minimum-requests", d.minimumRequests(), 1, 1_000_000);
    Duration interval = aboveZero(p, "interval", p.duration("interval", d.interval()));
    p.done();
    return new Health.Passive(failures, ejection, maxEjection, maxShare, failureRate, minimumRequests, interval);
  }

  /** {@code value} of {@code key} unless it is 0, which the balancer cannot take for that setting. */
  private static Duration aboveZero(Fields f, String key, Duration value) {
    if (value.isZero()) {
      throw f.error(key, "'" + f.shownValue(key) + "' (expected: a duration above 0 like 500ms, 5s, 1m)");
    }
    return value;
  }

  private static Timeouts timeouts(@Nullable Fields f) {
    Timeouts d = Timeouts.defaults();
    if (f == null) {
      return d;
    }
    Timeouts t = new Timeouts(f.duration("connect", d.connect()), f.duration("request", d.request()), f.duration("idle", d.idle()),
        f.duration("header-read", d.headerRead()), f.duration("body-read", d.bodyRead()));
    f.done();
    return t;
  }

  private static Rebalance rebalance(@Nullable Fields f) {
    Rebalance d = Rebalance.defaults();
    if (f == null) {
      return d;
    }
    Rebalance r = new Rebalance(f.bool("enabled", d.enabled()), f.decimal("tolerance", d.tolerance(), 0, 10), f.duration("settle", d.settle()),
        f.integer("max-shed-per-second", d.maxShedPerSecond(), 0, 1_000_000));
    f.done();
    return r;
  }

  private static Limits limits(@Nullable Fields f) {
    Limits d = Limits.defaults();
    if (f == null) {
      return d;
    }
    long header = f.size("max-header-size", d.maxHeaderSize());
    long uri = f.size("max-uri-length", d.maxUriLength());
    if (header < 256 || header > 1024 * 1024) {
      throw f.error("max-header-size", header + " (expected: 256..1m)");
    }
    if (uri < 16 || uri > 1024 * 1024) {
      throw f.error("max-uri-length", uri + " (expected: 16..1m)");
    }
    Limits l = new Limits((int) header, (int) uri, f.size("max-body", d.maxBody()));
    f.done();
    return l;
  }
}
