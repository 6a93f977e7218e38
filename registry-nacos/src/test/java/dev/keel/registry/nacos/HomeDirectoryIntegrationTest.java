package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.nacos.fixture.NacosServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * nacos-client's default places, {@code ~/nacos} and {@code ~/logs/nacos}, get nothing from this test
 * JVM: checked after the other integration tests of the run (failsafe runs them in one JVM and
 * {@code junit-platform.properties} orders this class last; it also runs Keel clients itself so that
 * it checks something when run alone). The Nacos servers the tests start live in temporary directories
 * of their own ({@code NacosServer}), so they are covered too.
 */
@Order(Integer.MAX_VALUE)
class HomeDirectoryIntegrationTest {
  private static FileTime start;

  @BeforeAll
  static void recordStart() {
    // Since this JVM started: covers the test classes that ran in it before this one.
    start = FileTime.fromMillis(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime() - 1000);
  }

  @Test
  @Tag(NacosServer.TAG)
  void aKeelClientOfARealNacosWritesNothingUnderTheHomeDirectory() {
    try (var keel = NacosTestSupport.keel(NacosServer.shared().address()).build()) {
      keel.register(dev.keel.registry.ServiceInstance.builder().service("home-check").host("127.0.0.1").port(9).build());
      keel.watch("home-check", set -> { });
      keel.resolve("home-check");
    }
    assertThat(newFilesUnderHome(start)).isEmpty();
  }

  @Test
  void aKeelClientWithoutAServerWritesNothingUnderTheHomeDirectory() throws IOException {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (var keel = dev.keel.registry.Registries.open("nacos://127.0.0.1:" + closed + "?resolve-timeout=1s")) {
      keel.watch("home-check", set -> { });
    }
    assertThat(newFilesUnderHome(start)).isEmpty();
  }

  @AfterAll
  static void nothingWrittenUnderTheHomeDirectoryByThisJvm() throws IOException {
    assertThat(newFilesUnderHome(start)).isEmpty();
  }

  private static List<Path> newFilesUnderHome(FileTime since) {
    Path home = Path.of(System.getProperty("user.home"));
    return Stream.of(home.resolve("nacos"), home.resolve("logs").resolve("nacos"))
        .filter(Files::exists)
        .flatMap(dir -> {
          try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> modifiedSince(p, since)).collect(Collectors.toList()).stream();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        })
        .collect(Collectors.toList());
  }

  private static boolean modifiedSince(Path p, FileTime since) {
    try {
      return Files.getLastModifiedTime(p).compareTo(since) >= 0;
    } catch (IOException e) {
      return false;
    }
  }
}
