package dev.keel.registry.internal;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCacheTest {
  @Test
  void roundTripsInstancesWithOddCharacters(@TempDir Path dir) {
    SnapshotCache cache = new SnapshotCache(dir);
    ServiceInstance i = ServiceInstance.builder().service("a/b c").id("id with space &=%").host("::1").port(80).weight(7)
        .metadata(Map.of("k=&", "v\n2", "empty", "")).build();
    cache.write(InstanceSet.of("a/b c", List.of(i), 42));
    InstanceSet back = cache.read("a/b c");
    assertThat(back).isNotNull();
    assertThat(back.stale()).isTrue();
    assertThat(back.revision()).isEqualTo(42);
    assertThat(back.instances()).containsExactly(i);
  }

  @Test
  void aCorruptLineIsSkippedAndTheRestServed(@TempDir Path dir) throws Exception {
    SnapshotCache cache = new SnapshotCache(dir);
    InstanceSet two = InstanceSet.of("s", List.of(
        ServiceInstance.builder().service("s").id("a").host("h").port(1).build(),
        ServiceInstance.builder().service("s").id("b").host("h").port(2).build()), 1);
    cache.write(two);
    Path file = cache.fileOf("s");
    String text = Files.readString(file).replace("\th\t2\t", "\th\t70000\t");
    Files.writeString(file, text);
    assertThat(requireNonNull(cache.read("s")).instances()).extracting(ServiceInstance::id).containsExactly("a");
  }

  @Test
  void aMissingOrForeignFileIsNoSnapshot(@TempDir Path dir) throws Exception {
    SnapshotCache cache = new SnapshotCache(dir);
    assertThat(cache.read("none")).isNull();
    Files.writeString(cache.fileOf("x"), "hello");
    assertThat(cache.read("x")).isNull();
  }
}
