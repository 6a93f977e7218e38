package dev.keel.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.keel.examples.HeadlessChromium;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/proxy/gateway.yaml as an operator runs it: {@code java -jar keel-proxy.jar --config
 * gateway.yaml} with {@code REGISTRY} pointing at the real Nacos when {@code KEEL_NACOS_DIST} or
 * {@code KEEL_NACOS_ADDR} is set (registry-nacos's {@link NacosServer}), else at an in-JVM
 * ZooKeeper. Services registered there are reached by host and by path on the one listener, one
 * registered after the proxy started too, unknown names get 503 and no route 404; the dashboard,
 * loaded in headless Chromium, shows the routes and the services.
 */
@Timeout(300) // a Nacos start takes 15 to 45 s here
class GatewayExampleIntegrationTest {
  /** nacos-client's shaded gRPC logs a closed stream's trailers at INFO through java.util.logging; held: JUL keeps loggers weakly. */
  private static final Logger NACOS_GRPC = Logger.getLogger("com.alibaba.nacos.shaded.io.grpc");

  static {
    NACOS_GRPC.setLevel(Level.WARNING);
  }

  @TempDir Path work;

  @Test
  void gatewayExampleRoutesEveryRegisteredServiceOnOnePort() throws Exception {
    HeadlessChromium.require();
    boolean nacos = NacosServer.available();
    TestingServer zookeeper = nacos ? null : new TestingServer(true);
    // a group of its own on a shared Nacos: its services cannot meet another test's
    String registry = nacos
        ? "nacos://" + NacosServer.shared().address() + "?namespace=public&group=gw" + UUID.randomUUID().toString().substring(0, 8)
        : "zookeeper://127.0.0.1:" + zookeeper.getPort() + "/services";
    List<HttpServer> backends = new ArrayList<>();
    try (RegistryClient registrar = Registries.open(registry)) {
      for (String service : List.of("orders", "carts")) {
        backends.add(register(registrar, service));
      }
      int http = freePort();
      int admin = freePort();
      Process proxy = start(registry, http, admin);
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> get(http, "api.example.com", "/ping").startsWith("200 "));
        assertThat(get(http, "api.example.com", "/items/1")).isEqualTo("200 orders /items/1");
        assertThat(get(http, "carts.svc.local", "/items/2")).isEqualTo("200 carts /items/2");
        assertThat(get(http, "gw.example.com", "/carts/items/3?x=y")).isEqualTo("200 carts /items/3?x=y");
        assertThat(get(http, "gw.example.com", "/")).startsWith("404 ");
        assertThat(get(http, "gw.example.com", "/billing/x")).startsWith("503 ").contains("no instance of service 'billing'");

        backends.add(register(registrar, "billing")); // after the proxy started: no reload
        await().atMost(Duration.ofSeconds(30)).until(() -> get(http, "gw.example.com", "/billing/x").startsWith("200 "));
        assertThat(get(http, "billing.svc.local", "/y")).isEqualTo("200 billing /y");

        String dom = HeadlessChromium.dumpDom(work, "http://127.0.0.1:" + admin + "/");
        assertThat(dom).as("the dashboard's DOM after it fetched /status")
            .contains("gateway — http 127.0.0.1:" + http + " → 3 routes")
            .contains("<td>by-host</td>").contains("<td class=\"addr\">host *.svc.local</td>")
            .contains("<td class=\"addr\">{path.0} (prefix stripped)</td>")
            .contains("orders — open, fixed").contains("carts — open").contains("billing — open");
      } finally {
        proxy.destroy();
        if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
          proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      backends.forEach(b -> b.stop(0));
      if (zookeeper != null) {
        zookeeper.close();
      }
    }
  }

  /** A backend answering {@code SERVICE PATH}, registered as an instance of {@code service}. */
  private static HttpServer register(RegistryClient registrar, String service) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    s.createContext("/", ex -> {
      byte[] body = (service + " " + ex.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    s.start();
    registrar.register(ServiceInstance.builder().service(service).host("127.0.0.1").port(s.getAddress().getPort()).build());
    return s;
  }

  private Process start(String registry, int http, int admin) throws IOException {
    Path config = KeelProxyCli.projectRoot().resolve("examples/proxy/gateway.yaml");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", KeelProxyCli.jar().toString(), "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("proxy.log").toFile());
    pb.environment().put("REGISTRY", registry);
    pb.environment().put("GATEWAY_LISTEN", "127.0.0.1:" + http);
    pb.environment().put("ADMIN_LISTEN", "127.0.0.1:" + admin);
    pb.environment().remove("ADMIN_TOKEN");
    return pb.start();
  }

  /** {@code STATUS BODY} of a GET with {@code host} as Host, on a connection of its own; "" when nothing answers. */
  private static String get(int port, String host, String target) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String res = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int body = res.indexOf("\r\n\r\n");
      return res.substring(9, 12) + " " + (body < 0 ? "" : res.substring(body + 4).trim());
    } catch (IOException | StringIndexOutOfBoundsException e) {
      return "";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
