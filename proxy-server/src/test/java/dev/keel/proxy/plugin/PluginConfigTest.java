package dev.keel.proxy.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.proxy.config.ConfigException;
import dev.keel.proxy.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which plug-in directory a config file gets ({@code --plugin-path}, {@code plugin-path}, a
 * {@code plugins/} directory beside the file), policy names checked against what it brings, and
 * reloads that keep the plug-ins of start-up.
 */
class PluginConfigTest {
  private static final String POLICIES = BalancingPolicy.class.getName();
  @TempDir static Path work;
  private static Path classes;
  @TempDir Path dir;

  @BeforeAll
  static void compile() throws Exception {
    classes = PluginJars.compile(work, Map.of("acme.FirstPolicy", PluginJars.firstPolicy("acme.FirstPolicy", "acme-first", "")));
  }

  private Path config(String policy, String extra) throws Exception {
    return Files.writeString(dir.resolve("proxy.yaml"), "registry: memory://plugins\n" + extra
        + "listeners:\n  - { name: web, listen: 127.0.0.1:0, service: demo, policy: " + policy + " }\n");
  }

  private static ConfigLoader loader() {
    return new ConfigLoader(Map.<String, String>of()::get);
  }

  @Test
  void aPluginsDirectoryBesideTheFileIsLoadedWithoutAnySetting() throws Exception {
    PluginJars.jar(dir.resolve("plugins/acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    ConfigLoader.Loaded loaded = loader().read(config("acme-first", ""));
    try (Plugins p = loaded.plugins()) {
      assertThat(loaded.config().listeners().get(0).policy()).isEqualTo("acme-first");
      assertThat(loaded.config().pluginPath()).isEqualTo(dir.resolve("plugins").toAbsolutePath());
      assertThat(p.policies()).contains("acme-first");
    }
  }

  @Test
  void pluginPathInTheFileIsRelativeToTheFile() throws Exception {
    PluginJars.jar(dir.resolve("lib/keel/acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    ConfigLoader.Loaded loaded = loader().read(config("acme-first", "plugin-path: lib/keel\n"));
    try (Plugins p = loaded.plugins()) {
      assertThat(loaded.config().pluginPath()).isEqualTo(dir.resolve("lib/keel").toAbsolutePath()).isEqualTo(p.directory());
    }
  }

  @Test
  void theCommandLinePathWinsOverTheFile() throws Exception {
    Path other = Files.createDirectories(work.resolve("cli-plugins"));
    PluginJars.jar(other.resolve("acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    ConfigLoader.Loaded loaded = loader().withPluginPath(other).read(config("acme-first", "plugin-path: nowhere\n"));
    try (Plugins p = loaded.plugins()) {
      assertThat(loaded.config().pluginPath()).isEqualTo(other.toAbsolutePath()).isEqualTo(p.directory());
    }
  }

  @Test
  void anUnknownPolicyListsThePlugInsOnesAndSuggestsTheClosest() throws Exception {
    PluginJars.jar(dir.resolve("plugins/acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    assertThatThrownBy(() -> loader().read(config("acme-frist", ""))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 3: listeners[0].policy: 'acme-frist' (expected one of: acme-first, least-request,")
        .hasMessageContaining("did you mean 'acme-first'?");
  }

  @Test
  void aBrokenJarFailsTheReadAtThePluginPathLineNamingJarClassAndReason() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("lib/broken.jar"), null, Map.of(POLICIES, "acme.Gone\n"));
    assertThatThrownBy(() -> loader().read(config("round-robin", "plugin-path: lib\n"))).isInstanceOf(ConfigException.class)
        .hasMessage(dir.resolve("proxy.yaml") + ": line 2: plugin-path: plug-in " + jar + ": class acme.Gone (listed in"
            + " META-INF/services/" + POLICIES + "): not found in the jar or keel-proxy (expected: the class in the jar,"
            + " or in another jar of " + dir.resolve("lib") + ")");
  }

  @Test
  void aPluginPathThatIsNotThereIsAnError() throws Exception {
    assertThatThrownBy(() -> loader().read(config("round-robin", "plugin-path: nowhere\n")))
        .hasMessage(dir.resolve("proxy.yaml") + ": line 2: plugin-path: '" + dir.resolve("nowhere")
            + "' does not exist (expected: a directory of plug-in jars)");
  }

  @Test
  void aReloadUnderTheSameCommandLinePathGivesNoPluginWarning() throws Exception {
    Path other = Files.createDirectories(work.resolve("cli-reload"));
    PluginJars.jar(other.resolve("acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    ConfigLoader cli = loader().withPluginPath(other);
    try (Plugins running = cli.read(config("acme-first", "")).plugins()) {
      ConfigLoader.Loaded reloaded = cli.withLoadedPlugins(running).read(config("acme-first", ""));
      assertThat(reloaded.warnings()).noneSatisfy(w -> assertThat(w).contains("plugin-path"));
    }
  }

  @Test
  void aReloadKeepsThePlugInsOfStartUpAndWarnsWhenTheFileNamesAnotherDirectory() throws Exception {
    PluginJars.jar(dir.resolve("plugins/acme.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    ConfigLoader.Loaded started = loader().read(config("acme-first", ""));
    try (Plugins running = started.plugins()) {
      Files.createDirectories(dir.resolve("elsewhere"));
      ConfigLoader.Loaded reloaded = loader().withLoadedPlugins(running).read(config("acme-first", "plugin-path: elsewhere\n"));
      assertThat(reloaded.plugins()).isSameAs(running);
      assertThat(reloaded.config().pluginPath()).isEqualTo(running.directory());
      assertThat(reloaded.warnings()).anySatisfy(w -> assertThat(w).contains("plugin-path: '" + dir.resolve("elsewhere")
          + "' is not the directory the running proxy loaded its plug-ins from").contains("next restart"));
    }
  }
}
