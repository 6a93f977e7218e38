package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryUri;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class NacosRegistryProviderTest {
  private static NacosSettings settings(String uri) {
    return settingsOf(NacosRegistry.fromUri(RegistryUri.parse(uri), RegistryOptions.defaults()));
  }

  private static NacosSettings settingsOf(NacosRegistry registry) {
    try {
      var f = NacosRegistry.class.getDeclaredField("settings");
      f.setAccessible(true);
      return (NacosSettings) f.get(registry);
    } catch (ReflectiveOperationException e) {
      throw new LinkageError("NacosRegistry.settings", e);
    }
  }

  @Test
  void theProviderIsFoundByScheme() {
    assertThat(Registries.provider("nacos")).isInstanceOf(NacosRegistryProvider.class);
  }

  @Test
  void validateCatchesWhatOpenRefusesWithoutConnecting() {
    assertThatThrownBy(() -> Registries.validate("nacos://h?namespce=prod")).hasMessageContaining("did you mean 'namespace'?");
    assertThatThrownBy(() -> Registries.validate("nacso://h")).hasMessageContaining("did you mean 'nacos'?");
    assertThatThrownBy(() -> Registries.validate("nacos://h:0")).hasMessageContaining("port: 0");
    Registries.validate("nacos://127.0.0.1:1?namespace=prod&group=g");
  }

  @Test
  void uriPartsBecomeNacosClientProperties() {
    NacosSettings s = settings("nacos://alice:p%40ss@10.0.0.5,10.0.0.6:9848?namespace=prod&group=shop&cluster=c1"
        + "&access-key=AK&secret-key=SK&cache-dir=/var/cache/keel-nacos&resolve-timeout=2s");
    Properties p = s.toProperties(Path.of("/var/cache/keel-nacos"));
    assertThat(p.getProperty("serverAddr")).isEqualTo("10.0.0.5:8848,10.0.0.6:9848");
    assertThat(p.getProperty("namespace")).isEqualTo("prod");
    assertThat(p.getProperty("username")).isEqualTo("alice");
    assertThat(p.getProperty("password")).isEqualTo("p@ss");
    assertThat(p.getProperty("accessKey")).isEqualTo("AK");
    assertThat(p.getProperty("secretKey")).isEqualTo("SK");
    assertThat(p.getProperty("JM.SNAPSHOT.PATH")).isEqualTo("/var/cache/keel-nacos");
    assertThat(p.getProperty("namingRequestTimeout")).isEqualTo("5000"); // options passed in, not the URI's
    assertThat(p.getProperty("namingPushEmptyProtection")).isEqualTo("false");
    assertThat(p.getProperty("redoDelayTime")).isEqualTo(NacosSettings.DEFAULT_REDO_DELAY_MILLIS);
    assertThat(s.group).isEqualTo("shop");
    assertThat(s.registrationCluster()).isEqualTo("c1");
    assertThat(s.discoveryClusters()).containsExactly("c1");
    assertThat(s.cacheDir()).isEqualTo(Path.of("/var/cache/keel-nacos"));
  }

  @Test
  void defaultsAreNacosDefaults() {
    NacosSettings s = settings("nacos://127.0.0.1");
    assertThat(s.serverAddr).isEqualTo("127.0.0.1:8848");
    assertThat(s.group).isEqualTo("DEFAULT_GROUP");
    assertThat(s.registrationCluster()).isEqualTo("DEFAULT");
    assertThat(s.discoveryClusters()).isEmpty();
    assertThat(s.cacheDir()).isNull();
    assertThat(s.toProperties(Path.of("/tmp/x")).getProperty("namespace")).isNull();
  }

  @Test
  void secretsNeverShowInToString() {
    NacosSettings s = settings("nacos://alice:hunter2@127.0.0.1?access-key=AK&secret-key=topsecret");
    assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("topsecret").contains("alice");
  }

  @Test
  void wrongUrisAreRejectedNamingThePart() {
    assertThatThrownBy(() -> settings("nacos://127.0.0.1?colour=red")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("colour");
    assertThatThrownBy(() -> settings("nacos://127.0.0.1/services")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("path");
    assertThatThrownBy(() -> settings("nacos://127.0.0.1:70000")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> settings("nacos://127.0.0.1?cluster=a%20b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster");
    assertThatThrownBy(() -> settings("nacos://127.0.0.1?access-key=AK")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secret-key");
  }

  @Test
  void theBuilderNeedsAServerOrANamingService() {
    assertThatThrownBy(() -> NacosRegistry.builder().build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("serverAddr");
  }
}
