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

/** {@code keel-proxy check FILE}: validates a config; exit 0 when usable, 1 with the error otherwise. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file and exit.")
final class CheckCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "YAML configuration file.")
  Path file;

  @Override
  public Integer call() {
    try {
      ProxyConfig cfg = ConfigLoader.withSystemEnv().load(file);
      for (ListenerConfig l : cfg.listeners()) {
        ListenerKinds.forConfig(l);
      }
      spec.commandLine().getOut().println(file + ": ok (" + cfg.listeners().size() + " listener"
          + (cfg.listeners().size() == 1 ? "" : "s") + ")");
      return 0;
    } catch (ConfigException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("keel-proxy: " + e.getMessage());
      return 1;
    }
  }
}
