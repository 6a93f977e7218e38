package dev.keel.registry.etcd;

import dev.keel.testsupport.StderrCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd password of {@code etcd://user:password@...} appears in no log line and in no
 * exception, whether etcd accepts it, refuses it or is down.
 */
@Timeout(120)
class EtcdSecretsIntegrationTest {
  private static final String SECRET = "s3cr3t-PASSWORD-xyz";
  private static final String WRONG = "wr0ng-PASSWORD-xyz";

  static {
    // Loggers take their level when created, and keep it: those made after this (the adapter's,
    // jetcd's, grpc's and Vert.x's) log at debug, so that is checked too. The class runs in a JVM of
    // its own (registry-etcd/pom.xml), so no other test prints those debug lines.
    for (String logger : new String[] {"dev.keel", "io.etcd", "io.grpc", "io.vertx"}) {
      System.setProperty("org.slf4j.simpleLogger.log." + logger, "debug");
    }
  }

  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  @BeforeAll
  static void enableAuth() throws Exception {
    // The first etcd client of a JVM loads and initialises grpc, Netty and jetcd, which on a busy
    // machine outlasts the short timeouts below: one client, before auth is on, does that first.
    try (RegistryClient warmUp = Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?resolve-timeout=30s")) {
      warmUp.resolve("warm-up");
    }
    etcd.etcdctl("user", "add", "root:" + SECRET);
    etcd.etcdctl("auth", "enable");
  }

  private static ServiceInstance instance(String id) {
    return ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(9001).build();
  }

  private static void assertNoSecret(Throwable t) {
    assertThat(t).isNotNull();
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(SECRET).doesNotContain(WRONG);
  }

  @Test
  void acceptedAndRefusedPasswordsShowUpNowhere() {
    try (StderrCapture logs = StderrCapture.start()) {
      try (RegistryClient client = Registries.open("etcd://root:" + SECRET + "@127.0.0.1:" + etcd.clientPort())) {
        client.register(instance("i-1"));
        assertThat(client.resolve("orders").get("i-1")).isNotNull();
      }
      try (RegistryClient client = Registries.open("etcd://root:" + WRONG + "@127.0.0.1:" + etcd.clientPort() + "?resolve-timeout=3s")) {
        Throwable resolve = catchThrowable(() -> client.resolve("orders"));
        assertThat(resolve).isInstanceOf(RegistryException.class);
        assertNoSecret(resolve);
        Throwable register = catchThrowable(() -> client.register(instance("i-2")));
        assertThat(register).isInstanceOf(RegistryException.class);
        assertNoSecret(register);
      }
      assertThat(logs.all()).as("the capture sees the client's log").isNotEmpty();
      assertThat(logs.linesContaining(SECRET)).isEmpty();
      assertThat(logs.linesContaining(WRONG)).isEmpty();
    }
  }

  @Test
  void anUnreachableEtcdShowsThePasswordNowhere() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (StderrCapture logs = StderrCapture.start()) {
      try (RegistryClient client = Registries.open("etcd://root:" + SECRET + "@127.0.0.1:" + closedPort + "?resolve-timeout=1s")) {
        Throwable resolve = catchThrowable(() -> client.resolve("orders"));
        assertThat(resolve).isInstanceOf(RegistryException.class).hasMessageContaining(String.valueOf(closedPort));
        assertNoSecret(resolve);
        Throwable register = catchThrowable(() -> client.register(instance("i-3")));
        assertThat(register).isInstanceOf(RegistryException.class);
        assertNoSecret(register);
      }
      assertThat(logs.linesContaining(SECRET)).isEmpty();
    }
  }
}
