package dev.keel.registry.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;

/** {@code zookeeper://} URIs and the builder: defaults, and errors that name what is wrong. */
class ZooKeeperRegistryProviderTest {
  // Nothing listens there; clients connect lazily, so opening and closing them needs no server.
  private static final String NOWHERE = "127.0.0.1:1";

  @Test
  void theSchemeIsFoundThroughServiceLoader() {
    assertThat(Registries.provider("zookeeper")).isInstanceOf(ZooKeeperRegistryProvider.class);
  }

  @Test
  void hostsGetPort2181AndTheBasePathDefaultsToServices() {
    try (RegistryClient c = Registries.open("zookeeper://10.0.0.1,10.0.0.2:2182,[::1]")) {
      ZooKeeperRegistryClient raw = ZooKeeperTesting.raw(c);
      assertThat(raw.curator().getZookeeperClient().getCurrentConnectionString())
          .isEqualTo("10.0.0.1:2181,10.0.0.2:2182,[::1]:2181");
      assertThat(raw.basePath()).isEqualTo("/services");
    }
    assertThat(basePathOf("zookeeper://" + NOWHERE + "/")).isEqualTo("/services");
    assertThat(basePathOf("zookeeper://" + NOWHERE + "/keel/services/")).isEqualTo("/keel/services");
  }

  @Test
  void parametersAreValidatedNamingTheParameter() {
    assertRejected("?session-timeout=soon", "session-timeout: 'soon'", "duration");
    assertRejected("?connection-timeout=0s", "connection-timeout: '0s'", "1ms..24d");
    assertRejected("?retry-base=-1s", "retry-base", "duration");
    assertRejected("?retry-max=30", "retry-max: '30'", "0..29");
    assertRejected("?retry-base=1s&retry-max-sleep=100ms", "retry-max-sleep", "at least retry-base");
    assertRejected("?payload-class=not a class", "payload-class: 'not a class'", "spring-cloud");
    assertRejected("?sesion-timeout=30s", "'sesion-timeout': unknown for zookeeper://", "session-timeout");
    assertRejected("/a//b", "registry uri path", "basePath: '/a//b'");
  }

  @Test
  void validateCatchesWhatOpenRefusesWithoutConnecting() {
    assertThatThrownBy(() -> Registries.validate("zookeeper://127.0.0.1:99999")).hasMessageContaining("port: 99999");
    assertThatThrownBy(() -> Registries.validate("zookeper://127.0.0.1:2181")).hasMessageContaining("did you mean 'zookeeper'?");
    assertThatThrownBy(() -> Registries.validate("zookeeper://h?sesion-timeout=1s")).hasMessageContaining("did you mean 'session-timeout'?");
    assertThatThrownBy(() -> Registries.validate("zookeeper://h?session-timeout=30d"))
        .hasMessage("registry uri parameter session-timeout: '30d' (expected: 1ms..24d)");
    Registries.validate("zookeeper://" + NOWHERE + "/services?session-timeout=1d");
  }

  @Test
  void userInfoNeedsAPassword() {
    assertThatThrownBy(() -> Registries.open("zookeeper://keel@" + NOWHERE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user-info").hasMessageContaining("user:password");
  }

  @Test
  void validParametersAreAccepted() {
    try (RegistryClient c = Registries.open("zookeeper://keel:s3cret@" + NOWHERE + "/svc?session-timeout=30s"
        + "&connection-timeout=5s&retry-base=100ms&retry-max=10&retry-max-sleep=1s&payload-class=spring-cloud")) {
      assertThat(ZooKeeperTesting.raw(c).basePath()).isEqualTo("/svc");
      assertThat(ZooKeeperTesting.raw(c).curator().getZookeeperClient().getConnectionTimeoutMs()).isEqualTo(5000);
    }
  }

  @Test
  void payloadClassAliases() {
    assertThat(ZooKeeperRegistry.payloadClass("map")).isEqualTo("java.util.LinkedHashMap");
    assertThat(ZooKeeperRegistry.payloadClass("spring-cloud")).isEqualTo(ZooKeeperRegistry.SPRING_CLOUD_PAYLOAD);
    assertThat(ZooKeeperRegistry.payloadClass("dubbo")).isEqualTo(ZooKeeperRegistry.DUBBO_PAYLOAD);
    assertThat(ZooKeeperRegistry.payloadClass("com.example.Details$Inner")).isEqualTo("com.example.Details$Inner");
  }

  @Test
  void theBuilderTakesExactlyOneOfConnectStringAndCurator() throws Exception {
    assertThatThrownBy(() -> ZooKeeperRegistry.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one of connectString and curator");
    try (CuratorFramework cf = CuratorFrameworkFactory.newClient(NOWHERE, new RetryOneTime(10))) {
      assertThatThrownBy(() -> ZooKeeperRegistry.builder().curator(cf).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curator: LATENT").hasMessageContaining("start()");
      cf.start();
      assertThatThrownBy(() -> ZooKeeperRegistry.builder().curator(cf).connectString(NOWHERE).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
      assertThatThrownBy(() -> ZooKeeperRegistry.builder().curator(cf).sessionTimeout(java.time.Duration.ofSeconds(5)).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CuratorFramework passed in");
    }
  }

  @Test
  void aCuratorKeelCreatedIsClosedWithTheClient() {
    RegistryClient c = ZooKeeperRegistry.builder().connectString(NOWHERE).build();
    CuratorFramework created = ZooKeeperTesting.raw(c).curator();
    assertThat(created.getState()).isEqualTo(CuratorFrameworkState.STARTED);
    c.close();
    assertThat(created.getState()).isEqualTo(CuratorFrameworkState.STOPPED);
  }

  @Test
  void namesThatCannotBeZooKeeperNodesAreRejectedNamingTheField() {
    try (RegistryClient c = ZooKeeperRegistry.builder().connectString(NOWHERE).build()) {
      assertThatThrownBy(() -> c.register(ServiceInstance.builder().service("orders").id("a/b").host("h").port(1).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id: 'a/b'").hasMessageContaining("no '/'");
      assertThatThrownBy(() -> c.watch("billing/eu", set -> { }))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service: 'billing/eu'");
      assertThatThrownBy(() -> c.register(ServiceInstance.builder().service("orders").host("h").port(1).weight(5)
          .putMetadata("weight", "7").build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata[weight]: '7'");
    }
  }

  private static String basePathOf(String uri) {
    try (RegistryClient c = Registries.open(uri)) {
      return ZooKeeperTesting.raw(c).basePath();
    }
  }

  private static void assertRejected(String suffix, String... parts) {
    var thrown = assertThatThrownBy(() -> Registries.open("zookeeper://" + NOWHERE + suffix).close())
        .isInstanceOf(IllegalArgumentException.class);
    for (String part : parts) {
      thrown.hasMessageContaining(part);
    }
  }
}
