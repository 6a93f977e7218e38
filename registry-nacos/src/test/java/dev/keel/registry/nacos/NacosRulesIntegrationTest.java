package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosServer;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keel refuses exactly what a real Nacos refuses, and says why at once: each case is registered by
 * a plain nacos-client (the instance Keel would send, {@code keel.id} included) and by Keel, and
 * both verdicts must be the expected one. Keel's refusal is an {@link IllegalArgumentException}
 * naming the field, at open for the URI's namespace, group and cluster, at {@code register} for the
 * rest; nothing reaches the server.
 */
@Tag(NacosServer.TAG)
class NacosRulesIntegrationTest {
  private static final String OK = "accepted";
  private static final String REFUSED = "refused";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("service", "orders-v2:grpc.internal_1", OK),
        Arguments.of("service", "my orders", REFUSED),
        Arguments.of("service", "@orders", REFUSED),
        Arguments.of("service", "a@@b", REFUSED),
        Arguments.of("service", "x订单", REFUSED),
        Arguments.of("service", "订x", OK), // Nacos's pattern checks every character but the first
        Arguments.of("service", "s".repeat(512), OK),
        Arguments.of("service", "s".repeat(513), REFUSED),
        Arguments.of("group", "KEEL_GROUP:v1.2-a", OK),
        Arguments.of("group", "my group", REFUSED),
        Arguments.of("group", "g@x", REFUSED),
        Arguments.of("group", "a/b", REFUSED),
        Arguments.of("group", "g".repeat(128), OK),
        Arguments.of("group", "g".repeat(129), REFUSED),
        Arguments.of("cluster", "zone-a1", OK),
        Arguments.of("cluster", "zone.a", REFUSED),
        Arguments.of("cluster", "zone_a", REFUSED), // nacos-client's own check
        Arguments.of("cluster", "c".repeat(64), OK),
        Arguments.of("host", "host-1.example", OK),
        Arguments.of("host", "主机", REFUSED),
        Arguments.of("metadata", "1024", OK),
        Arguments.of("metadata", "1025", REFUSED),
        Arguments.of("namespace", "keel-rules_ns1", OK),
        Arguments.of("namespace", "prod.eu", REFUSED));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("cases")
  void keelRefusesWhatNacosRefusesAndNothingElse(String field, String value, String expected) throws Exception {
    String service = field.equals("service") ? value : "rules-" + UUID.randomUUID().toString().substring(0, 8);
    String group = field.equals("group") ? value : "DEFAULT_GROUP";
    String cluster = field.equals("cluster") ? value : "DEFAULT";
    String namespace = field.equals("namespace") ? value : "";
    ServiceInstance.Builder b = ServiceInstance.builder().service(service).id("i-1")
        .host(field.equals("host") ? value : "127.0.0.1").port(9001);
    if (field.equals("metadata")) {
      // as Nacos counts: "keel.id" (7) + "i-1" (3) + "k" (1) + the value
      b.metadata(Map.of("k", "v".repeat(Integer.parseInt(value) - 11)));
    }
    ServiceInstance instance = b.build();

    Throwable byNacos = nacosVerdict(namespace, group, instance, cluster);
    Throwable byKeel = keelVerdict(namespace, group, cluster, instance);

    assertThat(byNacos == null ? OK : REFUSED).as("Nacos's verdict (%s)", byNacos).isEqualTo(expected);
    assertThat(byKeel == null ? OK : REFUSED).as("Keel's verdict (%s)", byKeel).isEqualTo(expected);
    if (byKeel != null) {
      assertThat(byKeel).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(field);
    }
  }

  private static @Nullable Throwable nacosVerdict(String namespace, String group, ServiceInstance instance,
      String cluster) throws Exception {
    NamingService plain;
    try {
      plain = NacosTestSupport.foreignNaming(NacosServer.shared().address(), namespace);
    } catch (Exception e) {
      return e;
    }
    try {
      Instance nacos = InstanceMapping.toNacos(instance, cluster);
      return catchThrowable(() -> plain.registerInstance(instance.service(), group, nacos));
    } finally {
      plain.shutDown();
    }
  }

  private static @Nullable Throwable keelVerdict(String namespace, String group, String cluster, ServiceInstance instance) {
    return catchThrowable(() -> {
      NacosRegistry.Builder b = NacosTestSupport.keel(NacosServer.shared().address()).group(group).cluster(cluster);
      if (!namespace.isEmpty()) {
        b.namespace(namespace);
      }
      try (RegistryClient keel = b.build()) {
        keel.register(instance);
      }
    });
  }
}
