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
 * a plain nacos-client (the very instance Keel sends, its {@code keel.id} and {@code keel.incarnation}
 * included) and by Keel, and
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

    Throwable byKeel;
    ServiceInstance instance = b.build();
    String incarnation = "";
    RegistryClient keel = null;
    try {
      keel = open(namespace, group, cluster);
      incarnation = NacosTestSupport.raw(keel).incarnation();
      if (field.equals("metadata")) {
        // Keel's declared limit is what Nacos's 1024 leaves once Keel's own entries (id, stamp) are in:
        // fill it, then go value - 1024 characters beyond
        int chars = keel.limits().maxMetadataChars() - "i-1".length() - "k".length() + Integer.parseInt(value) - 1024;
        instance = b.metadata(Map.of("k", "v".repeat(chars))).build();
      }
      ServiceInstance toRegister = instance;
      RegistryClient opened = keel;
      byKeel = catchThrowable(() -> opened.register(toRegister));
    } catch (IllegalArgumentException refusedAtOpen) {
      byKeel = refusedAtOpen;
    } finally {
      if (keel != null) {
        keel.close();
      }
    }
    // the very instance Keel sends (or would send), its id and stamp included
    Throwable byNacos = nacosVerdict(namespace, group, InstanceMapping.toNacos(instance, cluster, incarnation), service);

    assertThat(byNacos == null ? OK : REFUSED).as("Nacos's verdict (%s)", byNacos).isEqualTo(expected);
    assertThat(byKeel == null ? OK : REFUSED).as("Keel's verdict (%s)", byKeel).isEqualTo(expected);
    if (byKeel != null) {
      assertThat(byKeel).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(field);
    }
  }

  private static RegistryClient open(String namespace, String group, String cluster) {
    NacosRegistry.Builder b = NacosTestSupport.keel(NacosServer.shared().address()).group(group).cluster(cluster);
    if (!namespace.isEmpty()) {
      b.namespace(namespace);
    }
    return b.build();
  }

  private static @Nullable Throwable nacosVerdict(String namespace, String group, Instance nacos, String service) {
    NamingService plain;
    try {
      plain = NacosTestSupport.foreignNaming(NacosServer.shared().address(), namespace);
    } catch (Exception e) {
      return e;
    }
    @Nullable Throwable verdict = catchThrowable(() -> plain.registerInstance(service, group, nacos));
    try {
      plain.shutDown();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return verdict;
  }
}
