package dev.keel.proxy.cli;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.AdminConfig;
import dev.keel.proxy.config.ConfigException;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.ListenerKinds;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.registry.Registries;
import dev.keel.registry.internal.DidYouMean;
import dev.keel.registry.internal.LogSafe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code keel-proxy}: runs a proxy from a config file or from the one-line form. */
@Command(name = "keel-proxy", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
    description = "Load-balancing HTTP proxy fed by service discovery.",
    footer = {"", "Examples:",
        "  keel-proxy --config proxy.yaml",
        "  keel-proxy --listen 127.0.0.1:8080 --registry static://127.0.0.1:9001,127.0.0.1:9002 --service demo",
        "  keel-proxy check proxy.yaml"},
    subcommands = CheckCommand.class)
public final class ProxyCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
  @Nullable Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "One-line form: where to listen.")
  @Nullable String listen;

  @Option(names = "--registry", paramLabel = "URI", description = "One-line form: registry URI (static://h:p,h:p, zookeeper://, etcd://, nacos://).")
  @Nullable String registry;

  @Option(names = "--service", paramLabel = "NAME", description = "One-line form: the service to balance to.")
  @Nullable String service;

  @Option(names = "--policy", paramLabel = "P",
      description = "One-line form: round-robin, random, least-request, least-response-time, ring-hash, or a plug-in's;"
          + " tcp also least-connections (default: round-robin, least-connections for tcp).")
  @Nullable String policy;

  @Option(names = "--protocol", paramLabel = "http|tcp", defaultValue = "http", description = "One-line form: listener protocol (default: ${DEFAULT-VALUE}).")
  String protocol = "http";

  @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9901",
      description = "One-line form: admin listener, or 'off' (default: ${DEFAULT-VALUE}).")
  String admin = "127.0.0.1:9901";

  @Option(names = "--workers", paramLabel = "N", defaultValue = "0", description = "Event-loop threads (default: the number of cores).")
  int workers;

  @Option(names = "--plugin-path", paramLabel = "DIR",
      description = "Directory of plug-in jars (policies, registry adapters), loaded at start-up (default: plugin-path in the config, else plugins/ beside it).")
  @Nullable Path pluginPath;

  private final Consumer<ProxyServer> onStarted;

  public ProxyCommand() {
    this(server -> { });
  }

  /** @param onStarted called with the running server (tests stop it through this) */
  public ProxyCommand(Consumer<ProxyServer> onStarted) {
    this.onStarted = onStarted;
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    ConfigLoader.Loaded loaded;
    try {
      loaded = buildConfig();
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("keel-proxy: " + e.getMessage());
      return 2;
    }
    try (Plugins plugins = loaded.plugins()) {
      return run(loaded, plugins, err);
    }
  }

  private int run(ConfigLoader.Loaded loaded, Plugins plugins, PrintWriter err) throws InterruptedException {
    ProxyConfig cfg = loaded.config();
    try {
      loaded.warnings().forEach(w -> log.warn("{}", LogSafe.escape(w, ConfigWatcher.CONFIG_MESSAGE_CHARS)));
      for (ListenerConfig l : cfg.listeners()) {
        ListenerKinds.forConfig(l);
      }
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("keel-proxy: " + e.getMessage());
      return 2;
    }
    if (config != null) {
      ConfigWatcher.holdHangUps(); // before the listeners serve: a SIGHUP from then on reloads, never stops
    }
    ProxyServer server;
    try {
      server = ProxyServer.start(cfg, plugins);
    } catch (RuntimeException e) {
      err.println("keel-proxy: " + e.getMessage());
      return 1;
    }
    ConfigWatcher watcher = config == null ? null : new ConfigWatcher(config, server, pluginPath);
    if (watcher != null) {
      watcher.start();
    }
    CountDownLatch stopped = new CountDownLatch(1);
    server.terminated().thenRun(stopped::countDown);
    Signals.onTerminate(server::close);
    onStarted.accept(server);
    stopped.await();
    if (watcher != null) {
      watcher.close();
    }
    return 0;
  }

  ConfigLoader.Loaded buildConfig() {
    boolean oneLine = listen != null || registry != null || service != null;
    if (config != null) {
      if (oneLine) {
        throw new ConfigException("--config: use either a config file or --listen/--registry/--service, not both");
      }
      return ConfigLoader.withSystemEnv().withPluginPath(pluginPath).read(config);
    }
    if (listen == null || registry == null || service == null) {
      throw new ConfigException("expected --config FILE, or all of --listen HOST:PORT --registry URI --service NAME");
    }
    HostPort at = parse("--listen", listen);
    if (!ListenerConfig.PROTOCOLS.contains(protocol)) {
      throw new ConfigException("--protocol: '" + protocol + "' (expected: http or tcp)");
    }
    AdminConfig adminConfig = admin.equalsIgnoreCase("off") ? new AdminConfig(null, null)
        : new AdminConfig(parse("--admin", admin), null);
    if (workers < 0) {
      throw new ConfigException("--workers: " + workers + " (expected: 0 for the number of cores, or more)");
    }
    Plugins plugins = oneLinePlugins();
    try {
      String chosen = policy != null ? policy : ListenerConfig.defaultPolicy(protocol);
      List<String> known = new ArrayList<>(plugins.policies());
      if ("tcp".equals(protocol)) {
        known.add(ListenerConfig.LEAST_CONNECTIONS);
      }
      if (!known.contains(chosen)) {
        throw new ConfigException("--policy: '" + chosen + "' (expected one of: " + String.join(", ", known) + ")"
            + DidYouMean.suffix(chosen, known));
      }
      try {
        Registries.validate(registry, plugins.classLoader());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--registry: " + e.getMessage());
      }
      return new ConfigLoader.Loaded(new ProxyConfig(registry, adminConfig,
          List.of(ListenerConfig.of("main", at, protocol, service, chosen)), workers, Duration.ofSeconds(10), null,
          plugins.directory()), List.of(), plugins);
    } catch (RuntimeException e) {
      plugins.close();
      throw e;
    }
  }

  /** The one-line form's plug-ins: {@code --plugin-path}, or none. */
  private Plugins oneLinePlugins() {
    if (pluginPath == null) {
      return Plugins.none();
    }
    try {
      return Plugins.load(pluginPath.toAbsolutePath().normalize());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--plugin-path: " + e.getMessage());
    }
  }

  private static HostPort parse(String option, String value) {
    try {
      return HostPort.parse(value);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      int at = m == null ? -1 : m.lastIndexOf("(expected: ");
      throw new ConfigException(option + ": '" + value + "' " + (m == null || at < 0 ? "(expected: host:port)" : m.substring(at)));
    }
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String... args) {
    return new CommandLine(new ProxyCommand()).execute(args);
  }
}
