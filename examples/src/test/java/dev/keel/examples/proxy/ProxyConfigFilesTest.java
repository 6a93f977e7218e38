package dev.keel.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The example configs in examples/proxy/ pass {@code keel-proxy check}. */
class ProxyConfigFilesTest {
  @ParameterizedTest
  @ValueSource(strings = {"nacos.yaml", "zookeeper.yaml", "etcd.yaml", "gateway.yaml"})
  void exampleConfigPassesCheck(String name) throws Exception {
    Path file = KeelProxyCli.projectRoot().resolve("examples/proxy").resolve(name);
    assertThat(file).isRegularFile();

    KeelProxyCli.Result r = KeelProxyCli.check(file);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(name + ": ok");
  }

  @Test
  void checkRejectsAnUnknownKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, Files.readString(KeelProxyCli.projectRoot().resolve("examples/proxy/zookeeper.yaml"))
        .replace("    retries: { attempts: 2 }", "    retries: { atempts: 2 }"));

    KeelProxyCli.Result r = KeelProxyCli.check(file);

    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.output()).contains("atempts");
  }
}
