package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosOpenApi;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Keel and plain nacos-client applications side by side on a real Nacos ({@link NacosServer#shared()}):
 * what one registers, the other sees, with weights, metadata, health, namespaces, groups and
 * clusters mapped.
 */
@Tag(NacosServer.TAG)
class NacosInteropIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  private static String serverAddr() {
    return NacosServer.shared().address();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
    closeAfter.clear();
  }

  private RegistryClient keel() {
    RegistryClient c = NacosTestSupport.keel(serverAddr()).build();
    closeAfter.add(c);
    return c;
  }

  private RegistryClient keel(String uriParams) {
    RegistryClient c = Registries.open("nacos://" + serverAddr() + "?" + uriParams, NacosTestSupport.options());
    closeAfter.add(c);
    return c;
  }

  private NamingService foreign(String namespace) throws Exception {
    NamingService n = NacosTestSupport.foreignNaming(serverAddr(), namespace);
    closeAfter.add(n::shutDown);
    return n;
  }

  private static String service(String base) {
    return "interop-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Instance nacosInstance(String ip, int port, double weight, boolean healthy, boolean enabled) {
    Instance i = new Instance();
    i.setIp(ip);
    i.setPort(port);
    i.setWeight(weight);
    i.setHealthy(healthy);
    i.setEnabled(enabled);
    i.setMetadata(Map.of("zone", "z1"));
    return i;
  }

  @Test
  void aPlainNacosRegistrationIsDiscoveredByKeel() throws Exception {
    String s = service("foreign");
    RegistryClient keel = keel();
    Recorder watch = new Recorder();
    keel.watch(s, watch);
    foreign("").registerInstance(s, nacosInstance("127.0.0.1", 8080, 0.37, true, true));

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(keel.resolve(s).size()).isEqualTo(1));
    ServiceInstance seen = keel.resolve(s).instances().get(0);
    assertThat(seen.id()).isEqualTo("127.0.0.1:8080");
    assertThat(seen.address()).isEqualTo("127.0.0.1:8080");
    assertThat(seen.weight()).as("nacos weight 0.37 is keel weight 37").isEqualTo(37);
    assertThat(seen.metadata()).containsEntry("zone", "z1");
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(watch.lastIds()).containsExactly("127.0.0.1:8080"));
  }

  @Test
  void aKeelRegistrationIsSeenByGetAllInstances() throws Exception {
    String s = service("keel");
    keel().register(ServiceInstance.builder().service(s).id("k-1").host("127.0.0.1").port(9001).weight(250)
        .metadata(Map.of("zone", "z2", "version", "1.4")).build());
    NamingService plain = foreign("");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(plain.getAllInstances(s, false)).hasSize(1));
    Instance i = plain.getAllInstances(s, false).get(0);
    assertThat(i.getIp()).isEqualTo("127.0.0.1");
    assertThat(i.getPort()).isEqualTo(9001);
    assertThat(i.getWeight()).as("keel weight 250 is nacos weight 2.5").isEqualTo(2.5);
    assertThat(i.isEphemeral()).isTrue();
    assertThat(i.isHealthy()).isTrue();
    assertThat(i.getMetadata()).containsEntry("zone", "z2").containsEntry("version", "1.4")
        .containsEntry(InstanceMapping.ID_KEY, "k-1");
  }

  /**
   * Nacos keeps an unhealthy instance registered through gRPC as sent (healthy=false) and hands it
   * to every client; a disabled one it hands to none (only its console lists it). Keel offers
   * neither.
   */
  @Test
  void unhealthyAndDisabledInstancesAreNotOffered() throws Exception {
    String s = service("health");
    foreign("").batchRegisterInstance(s, "DEFAULT_GROUP", List.of(
        nacosInstance("127.0.0.1", 7001, 1.0, true, true),
        nacosInstance("127.0.0.1", 7002, 1.0, false, true),
        nacosInstance("127.0.0.1", 7003, 1.0, true, false)));
    NacosOpenApi console = NacosServer.shared().openApi();
    await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> assertThat(console.consoleInstances("public", "DEFAULT_GROUP", s, "DEFAULT"))
        .extracting(i -> i.path("port").asInt() + (i.path("healthy").asBoolean() ? " healthy" : " unhealthy")
            + (i.path("enabled").asBoolean() ? "" : " disabled"))
        .containsExactlyInAnyOrder("7001 healthy", "7002 unhealthy", "7003 healthy disabled"));
    NamingService plain = foreign("");
    assertThat(plain.getAllInstances(s, false)).extracting(Instance::getPort, Instance::isHealthy)
        .as("what Nacos hands to clients").containsExactlyInAnyOrder(tuple(7001, true), tuple(7002, false));

    RegistryClient keel = keel();
    assertThat(ids(keel.resolve(s))).containsExactly("127.0.0.1:7001");
    Recorder watch = new Recorder();
    keel.watch(s, watch);
    await().atMost(TIMEOUT).until(() -> watch.count() >= 1);
    assertThat(watch.lastIds()).containsExactly("127.0.0.1:7001");
  }

  @Test
  void namespaceGroupAndClusterComeFromTheUri() throws Exception {
    String ns = "keel-test-ns";
    String s = service("scoped");
    RegistryClient scoped = keel("namespace=" + ns + "&group=KEEL_GROUP&cluster=c1");
    scoped.register(ServiceInstance.builder().service(s).id("a").host("127.0.0.1").port(9101).build());
    NamingService plain = foreign(ns);
    plain.registerInstance(s, "KEEL_GROUP", "127.0.0.1", 9102, "c2");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(plain.getAllInstances(s, "KEEL_GROUP", false)).hasSize(2));
    Instance keels = plain.getAllInstances(s, "KEEL_GROUP", false).stream()
        .filter(i -> i.getPort() == 9101).findFirst().orElseThrow();
    assertThat(keels.getClusterName()).isEqualTo("c1");
    assertThat(ids(scoped.resolve(s))).as("cluster c1 only").containsExactly("a");
    assertThat(ids(keel("namespace=" + ns + "&group=KEEL_GROUP").resolve(s))).as("all clusters")
        .containsExactly("127.0.0.1:9102", "a");
    assertThat(keel().resolve(s).isEmpty()).as("the default namespace and group see none of it").isTrue();
  }

  private static List<String> ids(InstanceSet set) {
    List<String> out = new ArrayList<>();
    set.instances().forEach(i -> out.add(i.id()));
    return out;
  }

  /**
   * A process killed and restarted before its old connection closed registers its id again: Nacos
   * then lists both registrations, in an order of its own. Keel offers the restarted one, every time.
   */
  @Test
  void aRestartedProcessThatRegistersItsIdAgainIsTheOneOffered() throws Exception {
    String s = service("restart");
    ServiceInstance instance = ServiceInstance.builder().service(s).id("r-1").host("127.0.0.1").port(9002).build();
    RegistryClient watcher = keel();
    Recorder watch = new Recorder();
    watcher.watch(s, watch);
    keel().register(instance); // the old process's client stays connected
    await().atMost(TIMEOUT).until(() -> watcher.resolve(s).size() == 1);
    String oldStamp = watcher.resolve(s).instances().get(0).incarnation();
    keel().register(instance); // the restarted process: a new client, a new stamp

    NamingService plain = foreign("");
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(plain.getAllInstances(s, false)).as("both registrations")
        .hasSize(2));
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(watch.latest().instances()).singleElement()
        .extracting(ServiceInstance::incarnation).isNotEqualTo(oldStamp));
    String newStamp = watch.latest().instances().get(0).incarnation();
    assertThat(InstanceMapping.newer(watch.latest().instances().get(0),
        instance.toBuilder().incarnation(oldStamp).build()).incarnation()).as("the later stamp").isEqualTo(newStamp);
    assertThat(watcher.resolve(s).instances()).singleElement().extracting(ServiceInstance::incarnation)
        .isEqualTo(newStamp);
  }
}
