package dev.keel.examples.fileregistry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.ServiceInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the TCK does not cover: the file format, bad files, polling, the URI. */
class FileRegistryTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @TempDir Path dir;

  @Test
  void aMalformedEntryIsSkippedAndTheOthersAreServed() throws Exception {
    Path file = write("registry.json", """
        {"services": {"orders": [
          {"id": "o-1", "host": "127.0.0.1", "port": 9001, "metadata": {"zone": "a"}},
          {"id": "o-2", "host": "127.0.0.1", "port": 70000},
          {"host": "127.0.0.1", "port": 9003, "weight": 7}
        ]}}""");
    try (RegistryClient c = Registries.open("file://" + file)) {
      InstanceSet set = c.resolve("orders");
      assertThat(set.instances()).extracting(ServiceInstance::id).containsExactly("127.0.0.1:9003", "o-1");
      assertThat(requireNonNull(set.get("o-1")).metadata()).containsEntry("zone", "a");
      assertThat(requireNonNull(set.get("127.0.0.1:9003")).weight()).isEqualTo(7);
    }
  }

  @Test
  void aFileThatDoesNotParseKeepsTheLastGoodSet() throws Exception {
    Path file = write("registry.json", "{\"services\": {\"orders\": [{\"id\": \"o-1\", \"host\": \"127.0.0.1\", \"port\": 9001}]}}");
    try (RegistryClient watcher = Registries.open("file://" + file);
        RegistryClient reader = Registries.open("file://" + file)) {
      List<InstanceSet> seen = new CopyOnWriteArrayList<>();
      watcher.watch("orders", seen::add);
      await().atMost(TIMEOUT).until(() -> !seen.isEmpty());

      write("registry.json", "{\"services\": {\n  \"orders\": [{\"id\": \"o-1\",, }]}}");
      assertThatThrownBy(() -> reader.resolve("orders")).isInstanceOf(RegistryException.class)
          .hasMessageContaining("line 2, column");
      assertThat(watcher.resolve("orders").instances()).extracting(ServiceInstance::id).containsExactly("o-1");

      write("registry.json", "{\"services\": {\"orders\": [{\"id\": \"o-2\", \"host\": \"127.0.0.1\", \"port\": 9002}]}}");
      await().atMost(TIMEOUT).untilAsserted(() ->
          assertThat(seen.get(seen.size() - 1).instances()).extracting(ServiceInstance::id).containsExactly("o-2"));
      assertThat(seen).noneMatch(InstanceSet::isEmpty);
    }
  }

  @Test
  void registeringKeepsHandWrittenEntriesAndFields() throws Exception {
    Path file = write("registry.json", """
        {"comment": "kept", "services": {"orders": [{"id": "static-1", "host": "10.0.0.1", "port": 80, "owner": "ops"}]}}""");
    try (RegistryClient c = FileRegistryProvider.open(file, RegistryOptions.defaults())) {
      c.register(ServiceInstance.builder().service("orders").id("o-2").host("127.0.0.1").port(9002).build());
      JsonNode root = new ObjectMapper().readTree(file.toFile());
      assertThat(root.path("comment").asText()).isEqualTo("kept");
      assertThat(root.at("/services/orders/0/owner").asText()).isEqualTo("ops");
      assertThat(root.at("/services/orders/1/id").asText()).isEqualTo("o-2");
    }
    assertThat(new ObjectMapper().readTree(file.toFile()).at("/services/orders").size()).isEqualTo(1);
  }

  @Test
  void pollingAloneSeesChanges() throws Exception {
    Path file = dir.resolve("registry.json");
    try (RegistryClient c = Registries.open("file://" + file + "?watch-service=false&poll-interval=100ms")) {
      List<InstanceSet> seen = new CopyOnWriteArrayList<>();
      c.watch("orders", seen::add);
      write("registry.json", "{\"services\": {\"orders\": [{\"host\": \"127.0.0.1\", \"port\": 9001}]}}");
      await().atMost(TIMEOUT).untilAsserted(() ->
          assertThat(seen).last().extracting(InstanceSet::size).isEqualTo(1));
    }
  }

  @Test
  void theProviderIsFoundByItsSchemeAndRejectsBadUris() {
    assertThat(Registries.provider("file")).isInstanceOf(FileRegistryProvider.class);
    assertThatThrownBy(() -> Registries.open("file://somehost/registry.json"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host").hasMessageContaining("somehost");
    assertThatThrownBy(() -> Registries.open("file://" + dir.resolve("r.json") + "?pol=1s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pol");
    assertThatThrownBy(() -> Registries.open("file://" + dir.resolve("missing/r.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing/r.json");
  }

  /** Writes {@code text} to {@code name} the safe way: a temporary file, then a move over the old one. */
  private Path write(String name, String text) throws Exception {
    Path tmp = Files.createTempFile(dir, "write", ".tmp");
    Files.writeString(tmp, text);
    return Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
