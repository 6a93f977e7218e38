package dev.keel.examples.fileregistry;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry file: its JSON format, reading it, and rewriting it atomically under a lock.
 *
 * <pre>{@code
 * {"services": {"orders": [{"id": "o-1", "host": "127.0.0.1", "port": 9001, "weight": 100,
 *                           "metadata": {"zone": "a"}}]}}
 * }</pre>
 *
 * <p>{@code id} defaults to {@code host:port}, {@code weight} to 100, {@code metadata} to none. A
 * missing or blank file holds no services. Fields this class does not know are kept on rewrite.
 */
final class RegistryFile {
  private static final Logger log = LoggerFactory.getLogger(RegistryFile.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** One lock per file for every client in this JVM, so two read-modify-write cycles never interleave. */
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final Path path;
  private final ReentrantLock lock;

  RegistryFile(Path path) {
    this.path = path.toAbsolutePath().normalize();
    Path dir = this.path.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("file registry path: '" + path + "' (expected: a file in an existing directory)");
    }
    this.lock = LOCKS.computeIfAbsent(this.path, p -> new ReentrantLock());
  }

  Path path() {
    return path;
  }

  /** The file's bytes; none when there is no file. */
  byte[] read() {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return new byte[0];
    } catch (IOException e) {
      throw new RegistryException("could not read " + path + ": " + e, e);
    }
  }

  /**
   * The instances of each service in {@code bytes}. An entry that is not a valid instance is
   * skipped, with a warning when {@code warn} is set.
   *
   * @throws RegistryException when {@code bytes} is not JSON of this format, naming the line and column
   */
  Map<String, List<ServiceInstance>> parse(byte[] bytes, boolean warn) {
    Map<String, List<ServiceInstance>> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> service : services(tree(bytes)).properties()) {
      List<ServiceInstance> instances = new ArrayList<>();
      JsonNode entries = service.getValue();
      for (int i = 0; i < entries.size(); i++) {
        try {
          instances.add(instance(service.getKey(), entries.get(i)));
        } catch (IllegalArgumentException e) {
          if (warn) {
            log.warn("{}: skipping services.{}[{}]: {}", path, service.getKey(), i, e.getMessage());
          }
        }
      }
      out.put(service.getKey(), List.copyOf(instances));
    }
    return out;
  }

  /** Runs {@code action} holding this file's lock. */
  void locked(Runnable action) {
    lock.lock();
    try {
      action.run();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the lock: reads the file, lets {@code edit} change its {@code services} object, and,
   * when that changed anything, replaces the file atomically. Returns whether it wrote.
   *
   * @throws RegistryException when the file cannot be read, parsed or written; a file that does
   *     not parse is never overwritten
   */
  boolean update(Consumer<ObjectNode> edit) {
    lock.lock();
    try {
      ObjectNode root = tree(read());
      ObjectNode before = root.deepCopy();
      edit.accept(services(root));
      if (root.equals(before)) {
        return false;
      }
      write(root);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Puts {@code instance} into {@code services}, replacing the entry with its id. */
  static void put(ObjectNode services, ServiceInstance instance) {
    ObjectNode node = JSON.createObjectNode().put("id", instance.id()).put("host", instance.host())
        .put("port", instance.port()).put("weight", instance.weight());
    instance.metadata().forEach(node.putObject("metadata")::put);
    ArrayNode entries = services.withArrayProperty(instance.service());
    for (int i = 0; i < entries.size(); i++) {
      if (instance.id().equals(idOf(instance.service(), entries.get(i)))) {
        entries.set(i, node);
        return;
      }
    }
    entries.add(node);
  }

  /** Removes the entry of {@code id} from {@code service}, and the service when it is left empty. */
  static void remove(ObjectNode services, String service, String id) {
    JsonNode entries = services.get(service);
    if (entries == null) {
      return;
    }
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (id.equals(idOf(service, entries.get(i)))) {
        ((ArrayNode) entries).remove(i);
      }
    }
    if (entries.isEmpty()) {
      services.remove(service);
    }
  }

  private static @Nullable String idOf(String service, JsonNode entry) {
    try {
      return instance(service, entry).id();
    } catch (IllegalArgumentException e) {
      return null; // a malformed entry is nobody's registration: leave it alone
    }
  }

  private static ServiceInstance instance(String service, JsonNode entry) {
    if (!entry.isObject()) {
      throw new IllegalArgumentException("entry: " + entry + " (expected: an object)");
    }
    ServiceInstance.Builder b = ServiceInstance.builder().service(service)
        .host(text(entry, "host")).port(integer(entry, "port"));
    if (entry.has("id")) {
      b.id(text(entry, "id"));
    }
    if (entry.has("weight")) {
      b.weight(integer(entry, "weight"));
    }
    JsonNode metadata = entry.path("metadata");
    if (!metadata.isMissingNode()) {
      if (!metadata.isObject()) {
        throw new IllegalArgumentException("metadata: " + metadata + " (expected: an object of strings)");
      }
      metadata.properties().forEach(m -> b.putMetadata(m.getKey(), text(metadata, m.getKey())));
    }
    return b.build();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(field + ": " + (v == null ? "missing" : v) + " (expected: a string)");
    }
    return v.textValue();
  }

  private static int integer(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(field + ": " + (v == null ? "missing" : v) + " (expected: an integer)");
    }
    return v.intValue();
  }

  private ObjectNode tree(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new RegistryException(path + ": not valid JSON at line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RegistryException("could not read " + path + ": " + e, e);
    }
    if (root == null || root.isMissingNode()) {
      return JSON.createObjectNode(); // no file, or a blank one: no services yet
    }
    if (!root.isObject()) {
      throw new RegistryException(path + ": the top level is " + root.getNodeType() + " (expected: an object with \"services\")");
    }
    return (ObjectNode) root;
  }

  private ObjectNode services(ObjectNode root) {
    JsonNode services = root.get("services");
    if (services == null) {
      return root.putObject("services");
    }
    if (!services.isObject()) {
      throw new RegistryException(path + ": services is " + services.getNodeType() + " (expected: an object of arrays)");
    }
    for (Map.Entry<String, JsonNode> s : services.properties()) {
      if (!s.getValue().isArray()) {
        throw new RegistryException(path + ": services." + s.getKey() + " is " + s.getValue().getNodeType()
            + " (expected: an array of instances)");
      }
    }
    return (ObjectNode) services;
  }

  /** Writes a temporary file next to ours and moves it over ours, so readers see all or nothing. */
  private void write(ObjectNode root) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(path.getParent(), "." + path.getFileName(), ".tmp");
      JSON.writeValue(tmp.toFile(), root);
      try {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new RegistryException("could not write " + path + ": " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          log.warn("could not delete {}: {}", tmp, e.toString());
        }
      }
    }
  }
}
