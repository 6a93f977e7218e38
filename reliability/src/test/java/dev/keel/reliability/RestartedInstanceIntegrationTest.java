package dev.keel.reliability;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.balancer.Endpoint;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.Proxies;
import dev.keel.reliability.support.RegistryKind;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 23: an instance killed (-9) and restarted with the same id before its old registration is
 * gone (ZooKeeper session, etcd lease, Nacos connection) registers again: a new incarnation. The
 * proxy and the client must send it traffic again well before the ~30 s its dead predecessor's
 * ejection would last, instead of keeping the ejection on the new process.
 */
@Timeout(120) // the first Nacos test in the JVM starts the server
class RestartedInstanceIntegrationTest {
  /** Well under the 30 s outlier ejection the dead process earned. */
  private static final Duration BACK_WITHIN = Duration.ofSeconds(10);

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#available")
  void aRestartedInstanceIsNotKeptEjectedAfterItRegistersAgain(RegistryKind kind) throws Exception {
    try (Cluster cluster = new Cluster(kind.start(), 2, "");
         Load viaProxy = new Load(kind + "-restart/proxy", 2, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load(kind + "-restart/client", 2, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(15)).until(() -> viaProxy.answeredBy("b0") > 0 && viaClient.answeredBy("b0") > 0
          && viaProxy.answeredBy("b1") > 0 && viaClient.answeredBy("b1") > 0);
      KillableBackend b0 = cluster.backends.get(0);

      b0.kill(); // its registration stays: the process died without deregistering
      await().atMost(Duration.ofSeconds(15)).until(() -> proxyEjected(cluster, "b0") && clientEjected(cluster, "b0"));

      b0.restart();
      try (RegistryClient restarted = Registries.open(cluster.registry.uri(""))) {
        restarted.register(Cluster.instance(b0)); // the new process registers the same id
        int proxyBefore = viaProxy.answeredBy("b0");
        int clientBefore = viaClient.answeredBy("b0");
        await().atMost(BACK_WITHIN).until(() -> viaProxy.answeredBy("b0") > proxyBefore
            && viaClient.answeredBy("b0") > clientBefore);
      }
    }
  }

  private static boolean proxyEjected(Cluster cluster, String id) throws Exception {
    for (JsonNode b : Proxies.status(cluster.proxyClient, cluster.proxy).at("/listeners/0/backends")) {
      if (b.path("id").asText().equals(id)) {
        return b.path("ejected").asBoolean();
      }
    }
    return false;
  }

  private static boolean clientEjected(Cluster cluster, String id) {
    var balancer = cluster.keel.balancer(Cluster.SERVICE);
    Endpoint e = balancer == null ? null : balancer.state().member(id);
    return e != null && e.ejected();
  }
}
