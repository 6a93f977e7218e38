package dev.keel.proxy.cli;

import dev.keel.proxy.config.ConfigException;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.ListenerKinds;
import dev.keel.proxy.plugin.Plugins;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keel-proxy check FILE}: validates a config as start-up would, without binding a port or
 * connecting to the registry: every key, the registry URI through its adapter (scheme, hosts,
 * ports, parameters), every TLS file (readable, parses, the key belongs to its certificate). Exit
 * 0 when usable (warnings printed), 1 with the error (line, key, expected) otherwise.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file and exit.")
final class CheckCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "YAML configuration file.")
  Path file;

  @Option(names = "--plugin-path", paramLabel = "DIR",
      description = "Directory of plug-in jars, as keel-proxy --plugin-path (default: plugin-path in the config, else plugins/ beside it).")
  @Nullable Path pluginPath;

  @Override
  public Integer call() {
    try {
      ConfigLoader.Loaded loaded = ConfigLoader.withSystemEnv().withPluginPath(pluginPath).read(file);
      try (Plugins plugins = loaded.plugins()) {
        ProxyConfig cfg = loaded.config();
        for (ListenerConfig l : cfg.listeners()) {
          ListenerKinds.forConfig(l);
        }
        loaded.warnings().forEach(w -> spec.commandLine().getErr().println("keel-proxy: warning: " + w));
        spec.commandLine().getOut().println(file + ": ok (" + cfg.listeners().size() + " listener"
            + (cfg.listeners().size() == 1 ? "" : "s") + describe(plugins) + ")");
      }
      return 0;
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("keel-proxy: " + e.getMessage());
      return 1;
    }
  }

  /** {@code ; plug-ins: a.jar (policies [x]), b.jar (registries [y])}, or nothing without plug-ins. */
  private static String describe(Plugins plugins) {
    if (plugins.jars().isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("; plug-ins from ").append(plugins.directory()).append(':');
    for (Plugins.Jar j : plugins.jars()) {
      b.append(' ').append(j.file());
      if (!j.policies().isEmpty()) {
        b.append(" (policies ").append(String.join(", ", j.policies())).append(')');
      }
      if (!j.registries().isEmpty()) {
        b.append(" (registries ").append(String.join(", ", j.registries())).append(')');
      }
    }
    return b.toString();
  }
}
