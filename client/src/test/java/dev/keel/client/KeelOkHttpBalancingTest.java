package dev.keel.client;

import static dev.keel.client.ClientFixture.body;
import static dev.keel.client.ClientFixture.get;
import static dev.keel.client.ClientFixture.inFlight;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.Balancer;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeelOkHttpBalancingTest {
  private final ClientFixture fx = new ClientFixture();

  @AfterEach
  void closeAll() throws Exception {
    fx.closeAll();
  }

  @Test
  void balancesRoundRobinAcrossThreeServers() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel);

    Map<String, Integer> split = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      split.merge(body(http, "http://orders/hello"), 1, Integer::sum);
    }

    assertThat(split).containsOnlyKeys("a", "b", "c");
    assertThat(split.values()).allSatisfy(n -> assertThat(n).isBetween(90, 110));
    assertThat(s).allSatisfy(server -> assertThat(server.hits()).isEqualTo(split.get(server.id)));
    assertThat(inFlight(requireNonNull(keel.balancer("orders")))).isZero();
  }

  @Test
  void rewritesHostAndPortAndKeepsPathAndQuery() throws Exception {
    TestServer a = fx.servers("orders", "a").get(0);
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));

    assertThat(body(http, "http://orders/v1/orders/42?expand=lines&x=%20y")).isEqualTo("a");

    assertThat(a.lastPath).isEqualTo("/v1/orders/42?expand=lines&x=%20y");
    assertThat(a.lastHeader("Host")).isEqualTo("127.0.0.1:" + a.port());
  }

  @Test
  void passesThroughHostsThatAreNotServices() throws Exception {
    TestServer a = fx.servers("orders", "a").get(0);
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel);

    assertThat(body(http, "http://127.0.0.1:" + a.port() + "/direct")).isEqualTo("a");

    assertThat(a.lastPath).isEqualTo("/direct");
    assertThat(keel.balancer("127.0.0.1")).isNull();
    assertThat(keel.serviceName("orders")).isEqualTo("orders");
    assertThat(keel.serviceName("orders.example")).isNull();
    assertThat(keel.serviceName("localhost")).isNull();
    assertThat(keel.serviceName("::1")).isNull();
  }

  @Test
  void namedServicesAreTheOnlyOnesAndMatchIgnoringCase() {
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry).service("Orders").service("billing"));

    assertThat(keel.serviceName("orders")).isEqualTo("Orders");
    assertThat(keel.serviceName("billing")).isEqualTo("billing");
    assertThat(keel.serviceName("users")).isNull();
  }

  @Test
  void singleLabelHostsStayServicesBesideNamedOnesWhenAskedTo() {
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry).singleLabelHosts(true)
        .service("orders", ServicePolicy.builder().policy("least-request").build()));

    assertThat(keel.serviceName("orders")).isEqualTo("orders");
    assertThat(keel.serviceName("billing")).isEqualTo("billing");
    assertThat(keel.serviceName("billing.example.com")).isNull();
    assertThat(keel.serviceName("localhost")).isNull();
  }

  @Test
  void failsFastWhenTheServiceHasNoInstance() {
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));

    assertThatThrownBy(() -> get(http, "http://nobody/x"))
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageContaining("nobody");
  }

  @Test
  void stickyHeaderKeepsEachUserOnOneServer() throws Exception {
    fx.servers("orders", "a", "b", "c");
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)
        .service("orders", ServicePolicy.builder().stickyHeader("X-User").build())));

    Map<String, Set<String>> serversByUser = new HashMap<>();
    for (int round = 0; round < 5; round++) {
      for (int user = 0; user < 30; user++) {
        Request req = new Request.Builder().url("http://orders/cart").header("X-User", "user-" + user).build();
        try (Response r = http.newCall(req).execute()) {
          serversByUser.computeIfAbsent("user-" + user, u -> new HashSet<>()).add(r.body().string());
        }
      }
    }

    assertThat(serversByUser.values()).allSatisfy(servers -> assertThat(servers).hasSize(1));
    Set<String> used = new HashSet<>();
    serversByUser.values().forEach(used::addAll);
    assertThat(used).hasSizeGreaterThan(1);
  }

  @Test
  void stickyCookieKeepsEachSessionOnOneServer() throws Exception {
    fx.servers("orders", "a", "b", "c");
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)
        .service("orders", ServicePolicy.builder().stickyCookie("SESSION").build())));

    Map<String, Set<String>> serversBySession = new HashMap<>();
    for (int round = 0; round < 4; round++) {
      for (int session = 0; session < 30; session++) {
        Request req = new Request.Builder().url("http://orders/cart")
            .header("Cookie", "theme=dark; SESSION=s" + session + "; lang=en").build();
        try (Response r = http.newCall(req).execute()) {
          serversBySession.computeIfAbsent("s" + session, u -> new HashSet<>()).add(r.body().string());
        }
      }
    }

    assertThat(serversBySession.values()).allSatisfy(servers -> assertThat(servers).hasSize(1));
    Set<String> used = new HashSet<>();
    serversBySession.values().forEach(used::addAll);
    assertThat(used).hasSizeGreaterThan(1);
  }

  @Test
  void outcomesMoveTrafficAwayFromASlowServer() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "slow");
    s.get(2).delayMillis = 40;
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)
        .defaultPolicy(ServicePolicy.builder().policy("least-response-time").build())));

    for (int i = 0; i < 150; i++) {
      body(http, "http://orders/x");
    }

    // A blind split would send it 50; once its latency is known it loses every two-way choice.
    assertThat(s.get(2).hits()).isLessThan(15);
    assertThat(s.get(0).hits() + s.get(1).hits()).isGreaterThan(135);
  }

  @Test
  void inFlightNeverLeaksWhateverTheCallerDoesWithTheBody() throws Exception {
    List<TestServer> s = fx.servers("orders", "a");
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel);
    body(http, "http://orders/warm-up");
    Balancer balancer = requireNonNull(keel.balancer("orders"));

    Response unread = get(http, "http://orders/unread");
    assertThat(inFlight(balancer)).isEqualTo(1); // counted until the body ends
    unread.close();
    assertThat(inFlight(balancer)).isZero();

    neverClosed(http);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      System.gc();
      assertThat(inFlight(balancer)).isZero();
    });

    s.get(0).delayMillis = 2_000;
    Call call = http.newCall(new Request.Builder().url("http://orders/slow").build());
    Thread canceller = new Thread(() -> {
      await().until(() -> inFlight(balancer) == 1);
      call.cancel();
    });
    canceller.start();
    assertThatThrownBy(call::execute).isInstanceOf(IOException.class);
    canceller.join();
    assertThat(inFlight(balancer)).isZero();
    assertThat(balancer.state().members().get(0).failures()).isZero(); // a cancel is not a failure
  }

  /** Takes a response and drops it unread and unclosed; kept out of line so nothing holds it. */
  private static void neverClosed(OkHttpClient http) throws IOException {
    Response r = get(http, "http://orders/leaked");
    assertThat(r.code()).isEqualTo(200);
  }

  @Test
  void closingTheClientClosesItsBalancers() throws Exception {
    fx.servers("orders", "a");
    KeelOkHttp keel = KeelOkHttp.builder(fx.registry).build();
    OkHttpClient http = fx.http(keel);
    body(http, "http://orders/x");
    Balancer balancer = requireNonNull(keel.balancer("orders"));

    keel.close();

    await().until(() -> balancer.state().available().isEmpty());
    assertThatThrownBy(() -> get(http, "http://orders/x")).isInstanceOf(NoEndpointAvailableException.class);
  }
}
