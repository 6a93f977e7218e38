package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/**
 * nacos-client's default places, {@code ~/nacos} and {@code ~/logs/nacos}, get nothing from this test
 * JVM: checked after the other integration tests of the run (failsafe runs them in one JVM and
 * {@code junit-platform.properties} orders this class last; it also runs a Keel client itself so that
 * it checks something when run alone).
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
  void aKeelClientWritesNothingUnderTheHomeDirectory() {
    try (var server = dev.keel.registry.nacos.testserver.NacosTestServer.start();
         var keel = NacosTestSupport.keel(server.address()).build()) {
      keel.register(dev.keel.registry.ServiceInstance.builder().service("home-check").host("127.0.0.1").port(9).build());
      keel.watch("home-check", set -> { });
      keel.resolve("home-check");
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
