package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.KillableBackend;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.Proxies;
import dev.keel.reliability.support.RegistryKind;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10 scenario 5: one of three backends dies like kill -9 while requests are in flight. The
 * GETs run over ZooKeeper and over Nacos (when a server is named), the POSTs over ZooKeeper: what they
 * exercise is the proxy's and the client's handling of a dead backend, whatever the registry.
 */
@Timeout(120) // the first Nacos variant in the JVM starts the server
class BackendKilledIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(BackendKilledIntegrationTest.class);
  private Cluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#zooKeeperAndNacos")
  void noGetFailsWhenABackendIsKilledUnderLoad(RegistryKind kind) throws Exception {
    cluster = new Cluster(kind.start(), 3, "");
    String label = kind == RegistryKind.ZOOKEEPER ? "kill" : kind + "-kill";
    try (Load viaProxy = new Load(label + "/proxy", 4, () -> cluster.proxyGet("/work"));
         Load viaClient = new Load(label + "/client", 4, () -> cluster.clientGet("/work"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.backends.stream()
          .allMatch(b -> viaProxy.answeredBy(b.name()) > 0 && viaClient.answeredBy(b.name()) > 0));
      KillableBackend victim = cluster.backends.get(1);
      long proxyAtKill = viaProxy.sent.get();
      long clientAtKill = viaClient.sent.get();
      long beforeKill = proxyAtKill + clientAtKill;
      victim.kill();
      // 100 more GETs each through the proxy and the client, answered by the survivors
      await().atMost(Duration.ofSeconds(30)).until(() -> viaProxy.sent.get() > proxyAtKill + 100
          && viaClient.sent.get() > clientAtKill + 100);
      viaProxy.stop();
      viaClient.stop();
      log.info("FIGURES {}: requests after the kill={}", label, viaProxy.sent.get() + viaClient.sent.get() - beforeKill);
      assertThat(viaProxy.failures).isEmpty();
      assertThat(viaClient.failures).isEmpty();
      assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
      assertThat(viaProxy.sent.get()).isGreaterThan(100);
      assertThat(viaClient.sent.get()).isGreaterThan(100);
    }
  }

  @Test
  void postThatReachedTheKilledBackendGets502FromTheProxyAndIsNotReplayed() throws Exception {
    cluster = new Cluster(3, "");
    warmUp();
    KillableBackend victim = cluster.backends.get(1);
    victim.holdPosts = true;
    for (int i = 0; i < 20; i++) {
      String id = "proxy-post-" + i;
      CompletableFuture<HttpResponse<String>> post = cluster.proxyClient.sendAsync(
          HttpRequest.newBuilder(Proxies.uri(cluster.proxy, "/hold")).header("X-Req-Id", id)
              .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("order")).build(),
          HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> post.isDone() || victim.postsSeen(id) > 0);
      if (post.isDone()) {
        assertThat(post.get().statusCode()).isEqualTo(200); // landed on a live backend
        continue;
      }
      victim.kill();
      HttpResponse<String> r = post.get(10, TimeUnit.SECONDS);
      log.info("FIGURES kill/proxy POST: status={} arrivals={}", r.statusCode(), arrivals(id));
      assertThat(r.statusCode()).isEqualTo(502);
      // a replay, if any, would arrive within this half second
      await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> arrivals(id) == 1);
      return;
    }
    throw new AssertionError("no POST reached the victim in 20 tries");
  }

  @Test
  void postThatReachedTheKilledBackendFailsInTheClientAndIsNotReplayed() throws Exception {
    cluster = new Cluster(3, "");
    warmUp();
    KillableBackend victim = cluster.backends.get(1);
    victim.holdPosts = true;
    ExecutorService exec = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < 20; i++) {
        String id = "client-post-" + i;
        Request req = new Request.Builder().url("http://" + Cluster.SERVICE + "/hold").header("X-Req-Id", id)
            .post(RequestBody.create("order", MediaType.get("text/plain"))).build();
        Future<Integer> post = exec.submit(() -> {
          try (Response r = cluster.client.newCall(req).execute()) {
            return r.code();
          }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> post.isDone() || victim.postsSeen(id) > 0);
        if (post.isDone()) {
          assertThat(post.get()).isEqualTo(200);
          continue;
        }
        victim.kill();
        Throwable failure = catchThrowable(() -> post.get(10, TimeUnit.SECONDS));
        log.info("FIGURES kill/client POST: outcome={} arrivals={}", failure, arrivals(id));
        assertThat(failure).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        // a replay, if any, would arrive within this half second
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> arrivals(id) == 1);
        return;
      }
      throw new AssertionError("no POST reached the victim in 20 tries");
    } finally {
      exec.shutdownNow();
    }
  }

  private void warmUp() {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      cluster.proxyGet("/");
      cluster.clientGet("/");
      return cluster.backends.stream().allMatch(b -> b.requests.get() >= 2);
    });
  }

  private int arrivals(String id) {
    return cluster.backends.stream().mapToInt(b -> b.postsSeen(id)).sum();
  }
}
