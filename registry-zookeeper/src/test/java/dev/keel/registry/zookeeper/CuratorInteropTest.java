package dev.keel.registry.zookeeper;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keel and Curator's own {@code ServiceDiscovery} (curator-x-discovery) on one ZooKeeper, both
 * ways, with the payload classes of a plain Curator map, Spring Cloud Zookeeper and Dubbo 3.
 */
@SuppressWarnings({"rawtypes", "unchecked"}) // Curator payloads typed as a raw Map, as a plain Curator user writes them
class CuratorInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension static final SharedZooKeeper server = new SharedZooKeeper();

  private CuratorFramework curator;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void connect() throws Exception {
    curator = ZooKeeperTesting.curator(server.connectString());
    curator.delete().quietly().deletingChildrenIfNeeded().forPath("/services");
  }

  @AfterEach
  void close() throws Exception {
    for (int n = closeables.size() - 1; n >= 0; n--) {
      closeables.get(n).close();
    }
    curator.close();
  }

  @Test
  void keelRegistrationIsReadByCuratorWithAMapPayload() throws Exception {
    keel("map").register(ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9001)
        .weight(7).metadata(Map.of("zone", "a")).build());

    ServiceDiscovery<Map> discovery = discovery(Map.class, new JsonInstanceSerializer<>(Map.class));
    Collection<org.apache.curator.x.discovery.ServiceInstance<Map>> found = discovery.queryForInstances("orders");

    assertThat(found).hasSize(1);
    org.apache.curator.x.discovery.ServiceInstance<Map> i = found.iterator().next();
    assertThat(i.getName()).isEqualTo("orders");
    assertThat(i.getId()).isEqualTo("i-1");
    assertThat(i.getAddress()).isEqualTo("127.0.0.1");
    assertThat(i.getPort()).isEqualTo(9001);
    assertThat(i.getSslPort()).isNull();
    assertThat(i.isEnabled()).isTrue();
    assertThat(i.getServiceType()).isEqualTo(org.apache.curator.x.discovery.ServiceType.DYNAMIC);
    assertThat(i.buildUriSpec()).isEqualTo("http://127.0.0.1:9001");
    assertThat(i.getPayload()).containsEntry("id", "i-1").containsEntry("name", "orders")
        .containsEntry("metadata", Map.of("weight", "7", "zone", "a"));

    ServiceCache<Map> cache = discovery.serviceCacheBuilder().name("orders").build();
    closeables.add(cache);
    cache.start();
    assertThat(cache.getInstances()).extracting(org.apache.curator.x.discovery.ServiceInstance::getId).containsExactly("i-1");
  }

  @Test
  void keelWritesTheFieldsCuratorWritesInTheSameOrder() throws Exception {
    keel("map").register(ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9001).build());
    byte[] ours = curator.getData().forPath("/services/orders/i-1");
    byte[] curators = new JsonInstanceSerializer<>(Map.class, false).serialize(
        org.apache.curator.x.discovery.ServiceInstance.<Map>builder().name("orders").id("i-1").address("127.0.0.1")
            .port(9001).payload(new LinkedHashMap<>(Map.of("id", "i-1"))).uriSpec(new UriSpec("{scheme}://{address}:{port}"))
            .build());

    ObjectMapper json = new ObjectMapper();
    List<String> ourFields = new ArrayList<>();
    json.readTree(ours).fieldNames().forEachRemaining(ourFields::add);
    List<String> curatorFields = new ArrayList<>();
    json.readTree(curators).fieldNames().forEachRemaining(curatorFields::add);
    assertThat(ourFields).isEqualTo(curatorFields);
    assertThat(json.readTree(ours).get("uriSpec")).isEqualTo(json.readTree(curators).get("uriSpec"));
    assertThat(json.readTree(ours).at("/payload/@class").asText()).isEqualTo(json.readTree(curators).at("/payload/@class").asText());
  }

  @Test
  void curatorRegistrationsAreDiscoveredByKeelWithWeightDefaultingTo100() throws Exception {
    ServiceDiscovery<Map> discovery = discovery(Map.class, new JsonInstanceSerializer<>(Map.class));
    RegistryClient keel = keel("map");
    Recorder watch = new Recorder();
    keel.watch("orders", watch);

    discovery.registerService(curatorInstance("c-nested", 9101,
        new LinkedHashMap<>(Map.of("metadata", Map.of("zone", "b", "weight", "42")))));
    org.apache.curator.x.discovery.ServiceInstance<Map> flat =
        curatorInstance("c-flat", 9102, new LinkedHashMap<>(Map.of("zone", "c", "tier", 2)));
    discovery.registerService(flat);
    discovery.registerService(curatorInstance("c-none", 9103, null));

    await().atMost(WAIT).until(() -> watch.lastIds().equals(List.of("c-flat", "c-nested", "c-none")));
    InstanceSet set = keel.resolve("orders");
    assertThat(set).isEqualTo(watch.last());
    ServiceInstance nested = requireNonNull(set.get("c-nested"));
    assertThat(nested.weight()).isEqualTo(42);
    assertThat(nested.metadata()).isEqualTo(Map.of("zone", "b"));
    ServiceInstance flatOne = requireNonNull(set.get("c-flat"));
    assertThat(flatOne.weight()).isEqualTo(100);
    assertThat(flatOne.metadata()).isEqualTo(Map.of("zone", "c", "tier", "2"));
    ServiceInstance none = requireNonNull(set.get("c-none"));
    assertThat(none.weight()).isEqualTo(100);
    assertThat(none.address()).isEqualTo("127.0.0.1:9103");

    discovery.unregisterService(flat);
    await().atMost(WAIT).until(() -> watch.lastIds().equals(List.of("c-nested", "c-none")));
  }

  @Test
  void springCloudZookeeperInstancesAreDiscoveredAndKeelsAreReadableByIt() throws Exception {
    Class<org.springframework.cloud.zookeeper.discovery.ZookeeperInstance> type =
        org.springframework.cloud.zookeeper.discovery.ZookeeperInstance.class;
    // Spring Cloud Zookeeper's default serializer: new JsonInstanceSerializer<>(ZookeeperInstance.class)
    ServiceDiscovery<org.springframework.cloud.zookeeper.discovery.ZookeeperInstance> spring =
        discovery(type, new JsonInstanceSerializer<>(type));
    spring.registerService(org.apache.curator.x.discovery.ServiceInstance
        .<org.springframework.cloud.zookeeper.discovery.ZookeeperInstance>builder().name("orders").id("spring-1")
        .address("127.0.0.1").port(9201).uriSpec(new UriSpec("{scheme}://{address}:{port}"))
        .payload(new org.springframework.cloud.zookeeper.discovery.ZookeeperInstance("orders-9201", "orders",
            Map.of("instance_status", "UP", "zone", "a")))
        .build());
    RegistryClient keel = keel("spring-cloud");
    keel.register(ServiceInstance.builder().service("orders").id("keel-1").host("127.0.0.1").port(9202).weight(5)
        .metadata(Map.of("zone", "b")).build());

    await().atMost(WAIT).untilAsserted(() -> assertThat(keel.resolve("orders").size()).isEqualTo(2));
    ServiceInstance fromSpring = requireNonNull(keel.resolve("orders").get("spring-1"));
    assertThat(fromSpring.port()).isEqualTo(9201);
    assertThat(fromSpring.weight()).isEqualTo(100);
    assertThat(fromSpring.metadata()).isEqualTo(Map.of("instance_status", "UP", "zone", "a"));

    Map<String, org.springframework.cloud.zookeeper.discovery.ZookeeperInstance> payloads = new LinkedHashMap<>();
    spring.queryForInstances("orders").forEach(i -> payloads.put(i.getId(), i.getPayload()));
    assertThat(payloads).containsOnlyKeys("spring-1", "keel-1");
    org.springframework.cloud.zookeeper.discovery.ZookeeperInstance keels = requireNonNull(payloads.get("keel-1"));
    assertThat(keels.getMetadata()).isEqualTo(Map.of("weight", "5", "zone", "b"));
    assertThat(keels.getName()).isEqualTo("orders");
  }

  @Test
  void dubboInstancesAreDiscoveredAndKeelsAreReadableByIt() throws Exception {
    Class<org.apache.dubbo.registry.zookeeper.ZookeeperInstance> type = org.apache.dubbo.registry.zookeeper.ZookeeperInstance.class;
    // Dubbo 3's CuratorFrameworkUtils.buildServiceDiscovery: ServiceDiscoveryBuilder.builder(ZookeeperInstance.class)
    ServiceDiscovery<org.apache.dubbo.registry.zookeeper.ZookeeperInstance> dubbo = discovery(type, null);
    dubbo.registerService(org.apache.curator.x.discovery.ServiceInstance
        .<org.apache.dubbo.registry.zookeeper.ZookeeperInstance>builder().name("orders").id("127.0.0.1:20880")
        .address("127.0.0.1").port(20880)
        .payload(new org.apache.dubbo.registry.zookeeper.ZookeeperInstance("127.0.0.1:20880", "orders",
            Map.of("dubbo.metadata.revision", "a1b2", "dubbo.endpoints", "[{\"port\":20880,\"protocol\":\"dubbo\"}]")))
        .build());
    RegistryClient keel = keel("dubbo");
    keel.register(ServiceInstance.builder().service("orders").id("keel-1").host("127.0.0.1").port(9302).build());

    await().atMost(WAIT).untilAsserted(() -> assertThat(keel.resolve("orders").size()).isEqualTo(2));
    ServiceInstance fromDubbo = requireNonNull(keel.resolve("orders").get("127.0.0.1:20880"));
    assertThat(fromDubbo.metadata()).containsEntry("dubbo.metadata.revision", "a1b2");
    assertThat(fromDubbo.weight()).isEqualTo(100);

    Map<String, org.apache.dubbo.registry.zookeeper.ZookeeperInstance> payloads = new LinkedHashMap<>();
    dubbo.queryForInstances("orders").forEach(i -> payloads.put(i.getId(), i.getPayload()));
    assertThat(payloads).containsOnlyKeys("127.0.0.1:20880", "keel-1");
    assertThat(requireNonNull(payloads.get("keel-1")).getMetadata()).isEqualTo(Map.of("weight", "100"));
  }

  @Test
  void readersThatCastThePayloadNeedTheirOwnPayloadClass() throws Exception {
    // Why payload-class exists: Spring Cloud Zookeeper casts every payload to its class, so the
    // default (Curator's map) fails there, and Spring's class name fails a map reader without it.
    keel("map").register(ServiceInstance.builder().service("orders").id("keel-1").host("127.0.0.1").port(9401).build());
    Class<org.springframework.cloud.zookeeper.discovery.ZookeeperInstance> type =
        org.springframework.cloud.zookeeper.discovery.ZookeeperInstance.class;
    ServiceDiscovery<org.springframework.cloud.zookeeper.discovery.ZookeeperInstance> spring =
        discovery(type, new JsonInstanceSerializer<>(type));
    assertThatThrownBy(() -> spring.queryForInstances("orders")).isInstanceOf(ClassCastException.class);

    keel("com.example.NotOnThisClassPath").register(
        ServiceInstance.builder().service("billing").id("keel-2").host("127.0.0.1").port(9402).build());
    ServiceDiscovery<Map> map = discovery(Map.class, new JsonInstanceSerializer<>(Map.class));
    assertThatThrownBy(() -> map.queryForInstances("billing")).hasMessageContaining("com.example.NotOnThisClassPath");
  }

  @Test
  void disabledInstancesAreNotOfferedUntilEnabled() throws Exception {
    // compatibleSerializationMode=false: the serializer that writes "enabled"
    ServiceDiscovery<Map> discovery = discovery(Map.class, new JsonInstanceSerializer<>(Map.class, false));
    RegistryClient keel = keel("map");
    Recorder watch = new Recorder();
    keel.watch("orders", watch);
    discovery.registerService(curatorInstance("on", 9501, null));
    org.apache.curator.x.discovery.ServiceInstance<Map> off = org.apache.curator.x.discovery.ServiceInstance.<Map>builder()
        .name("orders").id("off").address("127.0.0.1").port(9502).enabled(false).build();
    discovery.registerService(off);
    await().atMost(WAIT).until(() -> watch.lastIds().equals(List.of("on")));
    assertThat(curator.checkExists().forPath("/services/orders/off")).isNotNull();
    assertThat(ZooKeeperTesting.raw(keel).resolve("orders").instances()).extracting(ServiceInstance::id).containsExactly("on");

    discovery.updateService(org.apache.curator.x.discovery.ServiceInstance.<Map>builder()
        .name("orders").id("off").address("127.0.0.1").port(9502).enabled(true).build());
    await().atMost(WAIT).until(() -> watch.lastIds().equals(List.of("off", "on")));
  }

  @Test
  void aNodeThatDoesNotParseIsSkippedWithAWarningNamingItsPath() throws Exception {
    RegistryClient keel = keel("map");
    keel.register(ServiceInstance.builder().service("orders").id("good").host("127.0.0.1").port(9601).build());
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      curator.create().forPath("/services/orders/garbage", "{not json".getBytes(StandardCharsets.UTF_8));
      curator.create().forPath("/services/orders/no-port", "{\"address\":\"127.0.0.1\"}".getBytes(StandardCharsets.UTF_8));
      assertThat(ZooKeeperTesting.raw(keel).resolve("orders").instances()).extracting(ServiceInstance::id).containsExactly("good");
      Recorder watch = new Recorder();
      keel.watch("orders", watch);
      await().atMost(WAIT).until(() -> watch.lastIds().equals(List.of("good")));
    } finally {
      System.setErr(stderr);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("skipping malformed entry '/services/orders/garbage' of service 'orders': not JSON")
        .contains("skipping malformed entry '/services/orders/no-port' of service 'orders': port: missing");
  }

  @Test
  void aCuratorPassedInIsNotClosedButItsRegistrationsGo() throws Exception {
    RegistryClient keel = keel("map");
    keel.register(ServiceInstance.builder().service("orders").id("i-1").host("127.0.0.1").port(9701).build());
    assertThat(curator.checkExists().forPath("/services/orders/i-1")).isNotNull();
    keel.close();
    assertThat(curator.getState()).isEqualTo(CuratorFrameworkState.STARTED);
    assertThat(curator.checkExists().forPath("/services/orders/i-1")).isNull();
  }

  private RegistryClient keel(String payloadClass) {
    RegistryClient c = ZooKeeperRegistry.builder().curator(curator).basePath("/services").payloadClass(payloadClass).build();
    closeables.add(c);
    return c;
  }

  /** A Curator discovery over {@code /services}; a null {@code serializer} keeps Curator's default. */
  private <T> ServiceDiscovery<T> discovery(Class<T> payload, @Nullable JsonInstanceSerializer<T> serializer)
      throws Exception {
    ServiceDiscoveryBuilder<T> b = ServiceDiscoveryBuilder.builder(payload).client(curator).basePath("/services");
    ServiceDiscovery<T> d = (serializer == null ? b : b.serializer(serializer)).build();
    closeables.add(d);
    d.start();
    return d;
  }

  private static org.apache.curator.x.discovery.ServiceInstance<Map> curatorInstance(String id, int port,
      @Nullable Map payload)
      throws Exception {
    return org.apache.curator.x.discovery.ServiceInstance.<Map>builder().name("orders").id(id).address("127.0.0.1")
        .port(port).payload(payload).build();
  }
}
