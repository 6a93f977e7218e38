package dev.keel.proxy.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.GrpcTestInstance;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.Registries;
import dev.keel.registry.ServiceInstance;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC calls (HTTP/2 streams of a real grpc-java client) routed per call by a listener with routes,
 * like HTTP/1.1 requests: by authority to a fixed service, by a wildcard authority to the service
 * its first label names, opened on demand; a call no route takes gets gRPC's UNIMPLEMENTED from the
 * proxy; every stream has its access log line with its route and service.
 */
class GrpcRoutingIntegrationTest {
  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static GrpcTestInstance a;
  private static GrpcTestInstance b;
  private static RegistryClient registry;
  private static ProxyFixture proxy;
  private static Path accessLog;
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    a = new GrpcTestInstance();
    b = new GrpcTestInstance();
    String uri = "memory://grpc-routing-" + UUID.randomUUID();
    registry = Registries.open(uri);
    registry.register(ServiceInstance.builder().service("grpc-a").host("127.0.0.1").port(a.port()).build());
    registry.register(ServiceInstance.builder().service("grpc-b").host("127.0.0.1").port(b.port()).build());
    accessLog = dir.resolve("access.log");
    proxy = new ProxyFixture("registry: " + uri + "\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 2\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    upstream: { protocol: h2c }\n"
        + "    access-log: { path: " + accessLog + ", format: json }\n"
        + "    routes:\n"
        + "      - name: to-a\n"
        + "        host: a.grpc.local\n"
        + "        service: grpc-a\n"
        + "      - name: by-host\n"
        + "        host: \"*.svc.local\"\n"
        + "        service: \"{host.0}\"\n");
  }

  @AfterAll
  static void stop() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    proxy.close();
    registry.close();
    a.close();
    b.close();
  }

  private static ManagedChannel channel(String authority) {
    ManagedChannel ch = NettyChannelBuilder.forAddress(proxy.address()).overrideAuthority(authority).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  private static String unary(ManagedChannel ch, String text) {
    return new String(ClientCalls.blockingUnaryCall(ch, GrpcTestInstance.method("Unary", MethodDescriptor.MethodType.UNARY),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), text.getBytes(UTF_8)), UTF_8);
  }

  @Test
  void eachCallGoesToTheServiceItsRouteNames() {
    ManagedChannel toA = channel("a.grpc.local");
    ManagedChannel toB = channel("grpc-b.svc.local"); // {host.0}: grpc-b, opened on demand
    int withoutTe = GrpcTestInstance.withoutTeTrailers.get();
    int aBefore = a.calls.get();
    int bBefore = b.calls.get();
    for (int i = 0; i < 5; i++) {
      assertThat(unary(toA, "a" + i)).isEqualTo("a" + i);
      assertThat(unary(toB, "b" + i)).isEqualTo("b" + i);
    }
    assertThat(a.calls.get() - aBefore).isEqualTo(5);
    assertThat(b.calls.get() - bBefore).isEqualTo(5);
    assertThat(GrpcTestInstance.withoutTeTrailers.get() - withoutTe).as("calls that reached an instance without te: trailers").isZero();
  }

  @Test
  void statusShowsEachRoutedServicesStreamsConnectionsAndSpread() throws Exception {
    unary(channel("a.grpc.local"), "status");
    HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode web = JSON.readTree(r.body()).get("listeners").get(0);
    JsonNode service = null;
    for (JsonNode s : web.get("services")) {
      if (s.get("name").asText().equals("grpc-a")) {
        service = s;
      }
    }
    assertThat(service).as("service grpc-a in %s", web).isNotNull();
    JsonNode backend = service.get("backends").get(0);
    assertThat(backend.get("address").asText()).isEqualTo("127.0.0.1:" + a.port());
    assertThat(backend.get("activeConnections").asInt()).isPositive(); // the channel's call left its HTTP/2 connection open
    assertThat(backend.has("streams")).isTrue();
    // one instance holds every connection of the service: its share of them is 1 (max over share 1.0)
    assertThat(service.get("maxOverShare").asDouble()).isEqualTo(1.0);
    assertThat(service.get("coefficientOfVariation").asDouble()).isEqualTo(0.0);
  }

  @Test
  void aCallNoRouteTakesIsUnimplementedAndReachesNoInstance() {
    int before = a.calls.get() + b.calls.get();
    assertThatThrownBy(() -> unary(channel("elsewhere.example"), "x"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    assertThat(a.calls.get() + b.calls.get()).isEqualTo(before);
  }

  @Test
  void aCallToAServiceWithNoInstanceIsUnavailable() {
    assertThatThrownBy(() -> unary(channel("grpc-none.svc.local"), "x"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void everyStreamHasItsAccessLogLineWithItsRouteAndService() throws IOException {
    unary(channel("a.grpc.local"), "logged");
    await().atMost(10, TimeUnit.SECONDS).until(() -> lines().stream().anyMatch(GrpcRoutingIntegrationTest::loggedCall));
    JsonNode line = lines().stream().filter(GrpcRoutingIntegrationTest::loggedCall).findFirst().orElseThrow();
    assertThat(line.get("protocol").asText()).isEqualTo("HTTP/2.0");
    assertThat(line.get("method").asText()).isEqualTo("POST");
    assertThat(line.get("path").asText()).isEqualTo("/test.Echo/Unary");
    assertThat(line.get("status").asInt()).isEqualTo(200);
    assertThat(line.get("route").asText()).isEqualTo("to-a");
    assertThat(line.get("service").asText()).isEqualTo("grpc-a");
    assertThat(line.get("upstream_address").asText()).isEqualTo("127.0.0.1:" + a.port());
    assertThat(line.get("bytes_sent").asLong()).as("the answer's DATA: one gRPC message").isPositive();
  }

  private static boolean loggedCall(JsonNode line) {
    return "to-a".equals(line.path("route").asText()) && line.path("bytes_sent").asLong() > 0;
  }

  private static List<JsonNode> lines() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (Files.exists(accessLog)) {
      for (String l : Files.readAllLines(accessLog)) {
        out.add(JSON.readTree(l));
      }
    }
    return out;
  }
}
