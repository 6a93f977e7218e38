package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.naming.NamingService;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.nacos.testserver.NacosTestServer;
import dev.keel.registry.tck.Recorder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The adapter's own behaviour: credentials, failures, ownership, files. Against a real Nacos (tagged
 * {@value NacosServer#TAG}) except for access-key signatures, which the open-source server does not
 * check at all (an Alibaba Cloud feature): those run against the protocol emulator, which does.
 */
class NacosAdapterIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static ServiceInstance instance(String service) {
    return ServiceInstance.builder().service(service).id("i-1").host("127.0.0.1").port(9001).build();
  }

  private static String service() {
    return "adapter-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  @Tag(NacosServer.TAG)
  void userNameAndPasswordFromTheUriLogIn() {
    NacosServer server = NacosTestSupport.authServer();
    try (RegistryClient good = Registries.open("nacos://nacos:" + NacosTestSupport.AUTH_PASSWORD + "@" + server.address(),
        NacosTestSupport.options())) {
      String s = service();
      good.register(instance(s));
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(good.resolve(s).size()).isEqualTo(1));
      try (RegistryClient bad = Registries.open("nacos://nacos:wrong@" + server.address() + "?resolve-timeout=2s",
          NacosTestSupport.options())) {
        assertThatThrownBy(() -> bad.register(instance(s))).isInstanceOf(RegistryException.class);
        assertThatThrownBy(() -> bad.resolve(s)).isInstanceOf(RegistryException.class);
      }
      try (RegistryClient none = Registries.open("nacos://" + server.address() + "?resolve-timeout=2s",
          NacosTestSupport.options())) {
        assertThatThrownBy(() -> none.resolve(s)).as("no credentials").isInstanceOf(RegistryException.class);
      }
    }
  }

  @Test
  void accessKeyAndSecretKeyFromTheUriSignRequests() {
    try (NacosTestServer server = NacosTestServer.builder().accessKey("ak-1", "sk-1").start();
         RegistryClient good = Registries.open("nacos://" + server.address() + "?access-key=ak-1&secret-key=sk-1",
             NacosTestSupport.options())) {
      String s = service();
      good.register(instance(s));
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(good.resolve(s).size()).isEqualTo(1));
      try (RegistryClient bad = Registries.open("nacos://" + server.address() + "?access-key=ak-1&secret-key=nope",
          NacosTestSupport.options())) {
        assertThatThrownBy(() -> bad.resolve(s)).isInstanceOf(RegistryException.class);
      }
    }
  }

  @Test
  void resolveThrowsAndWatchDoesNotWhenTheServerIsUnreachable() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (RegistryClient c = Registries.open("nacos://127.0.0.1:" + port + "?resolve-timeout=1s")) {
      assertThatThrownBy(() -> c.resolve("orders")).isInstanceOf(RegistryException.class)
          .hasMessageContaining("orders");
      Subscription sub = c.watch("orders", set -> { });
      sub.close();
    }
  }

  @Test
  @Tag(NacosServer.TAG)
  void aGivenNamingServiceIsNotShutDownAndKeepsNoneOfKeelsRegistrations() throws Exception {
    NamingService naming = NacosTestSupport.foreignNaming(NacosServer.shared().address(), "");
    try {
      String s = service();
      RegistryClient keel = NacosRegistry.builder().namingService(naming).options(NacosTestSupport.options()).build();
      keel.register(instance(s));
      Recorder watch = new Recorder();
      keel.watch(s, watch);
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(watch.lastIds()).containsExactly("i-1"));
      keel.close();
      assertThat(naming.getServerStatus()).isEqualTo("UP");
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(naming.getAllInstances(s, false)).isEmpty());
    } finally {
      naming.shutDown();
    }
  }

  /** Its connection closes with it, so the server drops the instances it registered. */
  @Test
  @Tag(NacosServer.TAG)
  void aNamingServiceKeelCreatesIsShutDownWithTheClient() throws Exception {
    String s = service();
    RegistryClient keel = NacosTestSupport.keel(NacosServer.shared().address()).build();
    NamingService naming = NacosTestSupport.raw(keel).namingService();
    keel.register(instance(s));
    NamingService observer = NacosTestSupport.foreignNaming(NacosServer.shared().address(), "");
    try {
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(observer.getAllInstances(s, false)).hasSize(1));
      keel.close();
      assertThat(naming.getServerStatus()).isEqualTo("DOWN");
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(observer.getAllInstances(s, false)).isEmpty());
    } finally {
      observer.shutDown();
    }
  }

  @Test
  @Tag(NacosServer.TAG)
  void nacosFilesGoToTheCacheDirectoryNotTheHomeDirectory() throws Exception {
    Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))).resolve("cache-" + UUID.randomUUID());
    try (RegistryClient keel = Registries.open("nacos://" + NacosServer.shared().address() + "?cache-dir=" + dir,
        NacosTestSupport.options())) {
      String s = service();
      keel.register(instance(s));
      Recorder watch = new Recorder();
      keel.watch(s, watch);
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(watch.lastIds()).containsExactly("i-1"));
      // nacos-client writes a snapshot of each subscribed service it sees change.
      await().atMost(TIMEOUT).untilAsserted(() -> {
        try (var files = Files.walk(dir.resolve("nacos").resolve("naming"))) {
          assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
              .anyMatch(name -> name.contains(s));
        }
      });
    }
    assertThat(System.getProperty("JM.LOG.PATH")).as("nacos-client's JVM-wide log directory")
        .startsWith(Path.of(System.getProperty("java.io.tmpdir")).toString());
  }
}
