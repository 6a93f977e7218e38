package dev.keel.proxy.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Policies;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.Registries;
import dev.keel.registry.ServiceInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plug-in jars loaded from a directory: what a good jar brings (a policy known by name, an adapter
 * by scheme), and for each way a jar can be broken, an error that names the jar, the class and the
 * reason, at load time rather than when a balancer is first built.
 */
class PluginsTest {
  private static final String POLICIES = BalancingPolicy.class.getName();
  private static final String PROVIDERS = RegistryProvider.class.getName();

  @TempDir static Path work;
  private static Path classes;
  @TempDir Path dir;

  @BeforeAll
  static void compile() throws Exception {
    classes = PluginJars.compile(work, Map.of(
        "acme.FirstPolicy", PluginJars.firstPolicy("acme.FirstPolicy", "acme-first", ""),
        "acme.ShadowPolicy", PluginJars.firstPolicy("acme.ShadowPolicy", "round-robin", ""),
        "acme.ThrowingPolicy", PluginJars.firstPolicy("acme.ThrowingPolicy", "acme-throws",
            "throw new IllegalStateException(\"license file missing\");"),
        "acme.NotAPolicy", "package acme; public final class NotAPolicy {}",
        "acme.MemoryAgain", "package acme;\n"
            + "public final class MemoryAgain implements dev.keel.registry.RegistryProvider {\n"
            + "  private final dev.keel.registry.memory.MemoryRegistryProvider m = new dev.keel.registry.memory.MemoryRegistryProvider();\n"
            + "  @Override public String scheme() { return \"acme\"; }\n"
            + "  @Override public dev.keel.registry.RegistryClient open(dev.keel.registry.RegistryUri u, dev.keel.registry.RegistryOptions o) { return m.open(u, o); }\n"
            + "  @Override public void validate(dev.keel.registry.RegistryUri u, dev.keel.registry.RegistryOptions o) { m.validate(u, o); }\n"
            + "}\n"));
  }

  @Test
  void aPolicyJarIsLoadedAndItsPolicyIsKnownByNameBesideTheBuiltIns() throws Exception {
    PluginJars.jar(dir.resolve("acme-first.jar"), classes, Map.of(POLICIES, "# the first candidate, always\nacme.FirstPolicy\n"));
    try (Plugins plugins = Plugins.load(dir)) {
      assertThat(plugins.policies()).contains("acme-first", Policies.ROUND_ROBIN, Policies.RING_HASH);
      assertThat(Policies.byName("acme-first", plugins.classLoader()).getClass().getName()).isEqualTo("acme.FirstPolicy");
      assertThat(plugins.jars()).singleElement().satisfies(j -> {
        assertThat(j.file()).isEqualTo("acme-first.jar");
        assertThat(j.policies()).containsExactly("acme-first");
        assertThat(j.registries()).isEmpty();
      });
    }
    assertThat(Plugins.none().policies()).doesNotContain("acme-first");
  }

  @Test
  void anAdapterJarIsLoadedAndItsSchemeOpens() throws Exception {
    PluginJars.jar(dir.resolve("acme-registry.jar"), classes, Map.of(PROVIDERS, "acme.MemoryAgain\n"));
    try (Plugins plugins = Plugins.load(dir)) {
      assertThat(plugins.registrySchemes()).contains("acme", "memory", "zookeeper");
      try (RegistryClient c = Registries.open("acme://plugins-test", RegistryOptions.defaults(), plugins.classLoader())) {
        c.register(ServiceInstance.builder().service("orders").host("127.0.0.1").port(9001).build());
        assertThat(c.resolve("orders").instances()).hasSize(1);
      }
    }
  }

  @Test
  void aServiceEntryNamingAClassTheJarLacksIsRefusedNamingJarClassAndReason() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("stale.jar"), null, Map.of(POLICIES, "acme.Gone\n"));
    assertThatThrownBy(() -> Plugins.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("plug-in " + jar + ": class acme.Gone (listed in META-INF/services/" + POLICIES
            + "): not found in the jar or keel-proxy (expected: the class in the jar, or in another jar of "
            + dir + ")");
  }

  @Test
  void aClassThatIsNotAPolicyIsRefused() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("wrong.jar"), classes, Map.of(POLICIES, "acme.NotAPolicy\n"));
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessage("plug-in " + jar + ": class acme.NotAPolicy (listed in"
        + " META-INF/services/" + POLICIES + "): does not implement " + POLICIES);
  }

  @Test
  void aConstructorThatThrowsIsRefusedWithWhatItThrew() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("throws.jar"), classes, Map.of(POLICIES, "acme.ThrowingPolicy\n"));
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessage("plug-in " + jar + ": class acme.ThrowingPolicy (listed in"
        + " META-INF/services/" + POLICIES + "): cannot be created: IllegalStateException: license file missing");
  }

  @Test
  void aPolicyNamedLikeABuiltInIsRefused() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("shadow.jar"), classes, Map.of(POLICIES, "acme.ShadowPolicy\n"));
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessage("plug-in " + jar + ": class acme.ShadowPolicy (listed in"
        + " META-INF/services/" + POLICIES + "): policy name 'round-robin' is a built-in policy's (expected: a name of its own)");
  }

  @Test
  void twoJarsWithAPolicyOfTheSameNameAreRefused() throws Exception {
    PluginJars.jar(dir.resolve("a.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    Path b = PluginJars.jar(dir.resolve("b.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessage("plug-in " + b + ": class acme.FirstPolicy (listed in"
        + " META-INF/services/" + POLICIES + "): policy name 'acme-first' is also the name of a policy in a.jar"
        + " (expected: one plug-in per name)");
  }

  @Test
  void aFileThatIsNotAJarIsRefused() throws Exception {
    Path jar = Files.writeString(dir.resolve("truncated.jar"), "PK not really");
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessageStartingWith("plug-in " + jar + ": not a readable jar (");
  }

  @Test
  void aJarEveryUserMayWriteIsNotLoaded() throws Exception {
    Path jar = PluginJars.jar(dir.resolve("acme-first.jar"), classes, Map.of(POLICIES, "acme.FirstPolicy\n"));
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertThatThrownBy(() -> Plugins.load(dir)).hasMessageStartingWith("plug-in " + jar.toRealPath()
        + " is writable by every user of this machine (mode 0666");
  }

  @Test
  void aDirectoryThatIsNotThereIsRefused() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> Plugins.load(missing))
        .hasMessage("'" + missing + "' does not exist (expected: a directory of plug-in jars)");
  }

  @Test
  void otherFilesAreIgnoredAndAnEmptyDirectoryBringsNothing() throws Exception {
    Files.writeString(dir.resolve("README.txt"), "plug-ins go here");
    try (Plugins plugins = Plugins.load(dir)) {
      assertThat(plugins.jars()).isEmpty();
      assertThat(plugins.policies()).containsExactlyElementsOf(Plugins.none().policies());
    }
  }
}
