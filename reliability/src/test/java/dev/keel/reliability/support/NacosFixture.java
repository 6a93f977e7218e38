package dev.keel.reliability.support;

import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.nacos.fixture.NacosRelay;
import dev.keel.registry.nacos.fixture.NacosServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Nacos: the real server of registry-nacos's test fixture ({@link NacosServer#shared()}, the
 * distribution named by {@code KEEL_NACOS_DIST}), one per JVM and shared by the scenarios: closing
 * this fixture leaves it running (a scenario that stops it leaves it stopped; the next one starts it
 * again). Raw access through a plain nacos-client {@link NamingService}, as another application uses it.
 *
 * <p>Nacos instances are ephemeral and belong to the gRPC connection that registered them: nothing
 * else can delete them, and a restarted Nacos has none until their clients register them again
 * (nacos-client's redo). So the registrar reaches the server through a {@link NacosRelay}
 * ({@link #registrarUri()}): cutting it is how the instances are taken away behind Keel's back.
 */
public final class NacosFixture extends OnceClosedFixture {
  private final NacosServer server;
  private final Path dir;
  private final NacosRelay registrarRelay;
  private @Nullable NamingService raw; // guarded by this

  private NacosFixture(NacosServer server, Path dir) {
    this.server = server;
    this.dir = dir;
    this.registrarRelay = NacosRelay.to(server);
  }

  public static NacosFixture open() throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "nacos-raw");
    return new NacosFixture(NacosServer.shared(), dir);
  }

  public NacosServer server() {
    return server;
  }

  @Override
  public String name() {
    return "nacos";
  }

  @Override
  public String uri(String extraParams) {
    return withParams("nacos://" + server.address(), extraParams);
  }

  /** Through the registrar's own relay, which {@link #deleteInstances} cuts. */
  @Override
  public String registrarUri() {
    return withParams("nacos://" + registrarRelay.address(), "");
  }

  /** {@code port} is a {@link NacosRelay}'s ({@link NacosRelay#port()}), which relays port + 1000 as well. */
  @Override
  public String uriVia(int port, String extraParams) {
    return withParams("nacos://127.0.0.1:" + port, extraParams);
  }

  @Override
  public int port() {
    return server.httpPort();
  }

  /**
   * Stops the Nacos process (SIGTERM): its ports close and every client loses its connection. An
   * external server ({@code KEEL_NACOS_ADDR}) cannot be stopped: the scenario is aborted, saying so.
   */
  @Override
  public void stop() {
    Assumptions.assumeTrue(server.canRestart(), "the external Nacos of KEEL_NACOS_ADDR cannot be stopped by a test");
    server.stop();
  }

  @Override
  public void start() {
    server.start();
  }

  /** The subscriber connections of {@code service}, from the server's own client list. */
  public Set<String> subscriberConnections(String service) {
    return server.openApi().subscriberConnections("public", "DEFAULT_GROUP", service);
  }

  @Override
  public Set<String> instanceIds(String service) throws Exception {
    Set<String> ids = new TreeSet<>();
    for (Instance i : raw().getAllInstances(service, false)) {
      Map<String, String> md = i.getMetadata();
      ids.add(md != null && md.containsKey("keel.id") ? md.get("keel.id") : i.getIp() + ":" + i.getPort());
    }
    return ids;
  }

  /**
   * Cuts the registrar's connection at its relay: the server drops what that connection registered
   * and pushes the subscribers the empty list, as when a connection fails its health check. Returns
   * once the server holds none; the restorer lets the registrar reconnect, and nacos-client's redo
   * registers the instances again.
   */
  @Override
  public Runnable deleteInstances(String service) {
    registrarRelay.cut();
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> instanceIds(service).isEmpty());
    return registrarRelay::restore;
  }

  /**
   * Registers, through plain nacos-client, an instance that Keel cannot map: port 0. Returns once a
   * query shows it (Nacos answers queries from a cached list it refreshes a moment later).
   */
  @Override
  public void writeGarbage(String service, String id) throws Exception {
    Instance i = new Instance();
    i.setIp("127.0.0.1");
    i.setPort(0);
    i.setEphemeral(true);
    i.setMetadata(new HashMap<>(Map.of("keel.id", id)));
    raw().registerInstance(service, i);
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> instanceIds(service).contains(id));
  }

  private synchronized NamingService raw() throws Exception {
    NamingService r = raw;
    if (r == null) {
      Properties p = new Properties();
      p.setProperty(PropertyKeyConst.SERVER_ADDR, server.address());
      p.setProperty("JM.SNAPSHOT.PATH", dir.toString());
      if (System.getProperty("JM.LOG.PATH") == null) {
        System.setProperty("JM.LOG.PATH", dir.resolve("logs").toString()); // not ~/logs/nacos
      }
      r = NamingFactory.createNamingService(p);
      raw = r;
    }
    return r;
  }

  /** Shuts the raw client down (its garbage goes with its connection) and the relay; the server stays. */
  @Override
  protected void closeOnce() {
    try {
      NamingService r = raw;
      if (r != null) {
        r.shutDown();
      }
    } catch (Exception e) {
      throw new IllegalStateException("shutting nacos-client down", e);
    } finally {
      registrarRelay.close();
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
