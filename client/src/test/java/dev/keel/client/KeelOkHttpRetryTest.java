package dev.keel.client;

import static dev.keel.client.ClientFixture.body;
import static dev.keel.client.ClientFixture.get;
import static dev.keel.client.ClientFixture.post;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeelOkHttpRetryTest {
  private final ClientFixture fx = new ClientFixture();

  @AfterEach
  void closeAll() throws Exception {
    fx.closeAll();
  }

  @Test
  void noGetFailsWhenAServerIsKilledMidTest() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel);
    AtomicInteger ok = new AtomicInteger();
    Map<String, Throwable> failures = new ConcurrentHashMap<>();
    CountDownLatch someDone = new CountDownLatch(60);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int t = 0; t < 4; t++) {
        int thread = t;
        pool.execute(() -> {
          for (int i = 0; i < 75; i++) {
            try {
              body(http, "http://orders/work?i=" + i);
              ok.incrementAndGet();
            } catch (IOException | RuntimeException e) {
              failures.put(thread + "/" + i, e);
            }
            someDone.countDown();
          }
        });
      }
      assertThat(someDone.await(30, TimeUnit.SECONDS)).isTrue();
      s.get(1).kill();
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isEqualTo(300);
    assertThat(s.get(1).hits()).isLessThan(100); // it stopped answering part-way
    assertThat(ClientFixture.inFlight(requireNonNull(keel.balancer("orders")))).isZero();
  }

  @Test
  void aGetWhoseBodyIsCutShortIsRetriedElsewhere() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    s.get(0).cutBodies = true;
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel);

    for (int i = 0; i < 12; i++) {
      assertThat(body(http, "http://orders/x")).isIn("b", "c");
    }

    assertThat(s.get(0).hits()).isPositive(); // tried, cut, and the GET went on to another
    assertThat(ClientFixture.inFlight(requireNonNull(keel.balancer("orders")))).isZero();
  }

  @Test
  void withoutBufferingACutBodyReachesTheCaller() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b");
    s.get(0).cutBodies = true;
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry)
        .service("orders", ServicePolicy.builder().bufferedResponseBytes(0).build()));
    OkHttpClient http = fx.http(keel);

    int cut = 0;
    for (int i = 0; i < 6; i++) {
      try {
        assertThat(body(http, "http://orders/x")).isEqualTo("b");
      } catch (java.net.ProtocolException e) {
        cut++; // the head came, the body did not: too late to retry
      }
    }

    assertThat(cut).isPositive().isEqualTo(s.get(0).hits());
    assertThat(ClientFixture.inFlight(requireNonNull(keel.balancer("orders")))).isZero();
  }

  @Test
  void aPostWhoseBodyIsCutShortIsNeverRetried() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    s.forEach(server -> server.cutBodies = true);
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));

    assertThatThrownBy(() -> {
      try (Response r = post(http, "http://orders/pay", "100 EUR")) {
        r.body().string();
      }
    }).isInstanceOf(IOException.class);

    assertThat(s.stream().mapToInt(server -> server.hits("POST")).sum()).isEqualTo(1);
  }

  @Test
  void neverRetriesAPostThatReachedAServer() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    s.forEach(server -> server.dropPosts = true);
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));
    for (int i = 0; i < 3; i++) {
      body(http, "http://orders/warm-up"); // pooled connections: OkHttp itself retries on those
    }

    assertThatThrownBy(() -> post(http, "http://orders/pay", "100 EUR").close())
        .isInstanceOf(IOException.class);

    assertThat(s.stream().mapToInt(server -> server.hits("POST")).sum()).isEqualTo(1);
  }

  @Test
  void neverRetriesAPostAnswered503ButRetriesAGet() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    s.forEach(server -> {
      server.postStatus = 503;
      server.getStatus = 503;
    });
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));

    try (Response r = post(http, "http://orders/pay", "100 EUR")) {
      assertThat(r.code()).isEqualTo(503);
    }
    try (Response r = get(http, "http://orders/balance")) {
      assertThat(r.code()).isEqualTo(503);
    }

    assertThat(s.stream().mapToInt(server -> server.hits("POST")).sum()).isEqualTo(1);
    // one attempt on each of the three: the first plus the default two retries
    assertThat(s).allSatisfy(server -> assertThat(server.hits("GET")).isEqualTo(1));
  }

  @Test
  void retriesGoToEveryOtherInstanceExactlyOnceEvenWithRandomPicks() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    s.forEach(server -> server.getStatus = 503);
    // Outlier ejection off, so all three stay available; the default budget allows 60 retries here.
    ServicePolicy policy = ServicePolicy.builder().policy("random")
        .balancerConfig(BalancerConfig.builder().outlierConsecutiveFailures(0).outlierFailureRate(0).build())
        .build();
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry).service("orders", policy));
    OkHttpClient http = fx.http(keel);

    for (int i = 0; i < 30; i++) {
      try (Response r = get(http, "http://orders/x")) {
        assertThat(r.code()).isEqualTo(503);
      }
    }

    // The first attempt and two retries, each excluding the instances tried: never one twice.
    assertThat(s).allSatisfy(server -> assertThat(server.hits("GET")).isEqualTo(30));
    assertThat(ClientFixture.inFlight(requireNonNull(keel.balancer("orders")))).isZero();
  }

  @Test
  void aStickyRetryGoesToTheKeysNextInstanceWhichKeepsTheKeyOnceTheFailingOneIsEjected() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "c");
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry)
        .service("orders", ServicePolicy.builder().stickyHeader("X-User").build()));
    OkHttpClient http = fx.http(keel);
    String home = stickyBody(http, "alice");
    TestServer failing = s.stream().filter(server -> server.id.equals(home)).findFirst().orElseThrow();
    failing.getStatus = 503;

    // Retries keep the key: each lands on the key's next instance on the ring.
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(stickyBody(http, "alice"));
    }
    assertThat(failing.hits()).isEqualTo(6); // tried first every time: nothing ejected it yet
    assertThat(answers).doesNotContain(home).containsOnly(answers.get(0));

    // Five failures in a row (the default) eject it; plain picks then send the key to that same instance.
    Endpoint ejected = requireNonNull(requireNonNull(keel.balancer("orders")).state().member(home));
    await().atMost(Duration.ofSeconds(10)).until(ejected::ejected);
    assertThat(stickyBody(http, "alice")).isEqualTo(answers.get(0));
    assertThat(failing.hits()).isEqualTo(6);
  }

  private static String stickyBody(OkHttpClient http, String user) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://orders/x")
        .header("X-User", user).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      return r.body().string();
    }
  }

  @Test
  void retriesAPostThatCouldNotConnect() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b", "dead");
    s.get(2).kill(); // registered, but its port refuses connections
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)));

    for (int i = 0; i < 30; i++) {
      try (Response r = post(http, "http://orders/pay", "order " + i)) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    assertThat(s.get(0).hits("POST") + s.get(1).hits("POST")).isEqualTo(30);
  }

  @Test
  void stopsRetryingWhenTheBudgetIsSpent() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "sick", "c");
    s.get(1).getStatus = 503;
    CountingMetrics metrics = new CountingMetrics();
    // Frozen time and no percentage: exactly 1/s × 10 s = 10 retries, then none.
    ServicePolicy policy = ServicePolicy.builder()
        .balancerConfig(BalancerConfig.builder().outlierConsecutiveFailures(0).outlierFailureRate(0).build())
        .retryBudget(() -> RetryBudget.of(0.0, 1, Duration.ofSeconds(10), () -> 0L))
        .build();
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)
        .service("orders", policy).metrics(metrics)));

    int unavailable = 0;
    for (int i = 0; i < 90; i++) {
      try (Response r = get(http, "http://orders/x")) {
        if (r.code() == 503) {
          unavailable++;
        }
      }
    }

    assertThat(metrics.retries.get()).isEqualTo(10);
    assertThat(metrics.denied.get()).isEqualTo(unavailable).isPositive();
    assertThat(unavailable).isEqualTo(s.get(1).hits() - 10);
    assertThat(metrics.requests.get()).isEqualTo(90);
    assertThat(requireNonNull(metrics.failures.get(FailureKind.HTTP_5XX)).get()).isEqualTo(s.get(1).hits());
  }

  @Test
  void aReadTimeoutOfAGetIsRetriedElsewhere() throws Exception {
    List<TestServer> s = fx.servers("orders", "slow", "b");
    // Far apart, so that a loaded machine cannot make b look slow too (its own answer must come
    // within the read timeout); the sleeping handler is interrupted when the server closes.
    s.get(0).delayMillis = 60_000;
    OkHttpClient http = fx.http(fx.keel(KeelOkHttp.builder(fx.registry)),
        b -> b.readTimeout(Duration.ofSeconds(1)));

    for (int i = 0; i < 4; i++) {
      assertThat(body(http, "http://orders/x")).isEqualTo("b");
    }

    assertThat(s.get(0).hits()).isPositive(); // it was tried, timed out, and the GET went on to b
  }

  @Test
  void theCallTimeoutCountsAgainstTheEndpointAndIsNotRetried() throws Exception {
    List<TestServer> s = fx.servers("orders", "a", "b");
    // The call timeout must fire while the server holds the request, never before the request got
    // there: a long hold (interrupted when the server closes) and a timeout a loaded machine meets.
    s.forEach(server -> server.delayMillis = 60_000);
    KeelOkHttp keel = fx.keel(KeelOkHttp.builder(fx.registry));
    OkHttpClient http = fx.http(keel, b -> b.callTimeout(Duration.ofSeconds(2)));

    assertThatThrownBy(() -> get(http, "http://orders/x")).isInstanceOf(IOException.class);

    // The server counts the request on its own thread, which may lag behind the client's timeout.
    await().atMost(Duration.ofSeconds(10)).until(() -> s.get(0).hits() + s.get(1).hits() >= 1);
    assertThat(s.get(0).hits() + s.get(1).hits()).isEqualTo(1);
    assertThat(requireNonNull(keel.balancer("orders")).state().members())
        .anySatisfy(e -> assertThat(e.failures()).isEqualTo(1))
        .allSatisfy(e -> assertThat(e.inFlight()).isZero());
  }

  /** Counts what the client reports. */
  static final class CountingMetrics implements ClientMetrics {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger denied = new AtomicInteger();
    final Map<FailureKind, AtomicInteger> failures = new ConcurrentHashMap<>();

    @Override
    public void request(String service) {
      requests.incrementAndGet();
    }

    @Override
    public void failure(String service, FailureKind kind) {
      failures.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void retry(String service, FailureKind reason) {
      retries.incrementAndGet();
    }

    @Override
    public void retryDenied(String service) {
      denied.incrementAndGet();
    }
  }
}
