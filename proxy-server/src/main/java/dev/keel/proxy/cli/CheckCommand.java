package dev.keel.proxy.cli;

import dev.keel.proxy.config.ConfigException;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.ListenerKinds;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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

  @Override
  public Integer call() {
    try {
      ConfigLoader.Loaded loaded = ConfigLoader.withSystemEnv().read(file);
      ProxyConfig cfg = loaded.config();
      for (ListenerConfig l : cfg.listeners()) {
        ListenerKinds.forConfig(l);
      }
      loaded.warnings().forEach(w -> spec.commandLine().getErr().println("keel-proxy: warning: " + w));
      spec.commandLine().getOut().println(file + ": ok (" + cfg.listeners().size() + " listener"
          + (cfg.listeners().size() == 1 ? "" : "s") + ")");
      return 0;
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("keel-proxy: " + e.getMessage());
      return 1;
    }
  }
}
