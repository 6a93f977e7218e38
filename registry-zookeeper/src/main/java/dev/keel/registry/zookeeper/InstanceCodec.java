package dev.keel.registry.zookeeper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.HealthTracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * The Curator x-discovery JSON of one instance node, written and read without Curator's
 * serializer so that any payload shape (any {@code @class}, a map, a string, none) can be read.
 *
 * <p>Written, in Curator's own field order:
 * <pre>{@code
 * {"name":"orders","id":"orders-1","address":"10.0.0.7","port":8080,"sslPort":null,
 *  "payload":{"@class":"java.util.LinkedHashMap","id":"orders-1","name":"orders",
 *             "metadata":{"weight":"100","zone":"a"}},
 *  "registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC",
 *  "uriSpec":{"parts":[...{scheme}://{address}:{port}...]},"enabled":true}
 * }</pre>
 * The payload is the shape of Spring Cloud Zookeeper's and Dubbo 3's {@code ZookeeperInstance}
 * (id, name, a string-to-string metadata map); only {@code @class} differs between them. The
 * weight travels as the metadata entry {@code weight}, where Spring Cloud LoadBalancer's weighted
 * supplier also looks for it. Thread-safe.
 */
final class InstanceCodec {
  /** The metadata key that carries the weight. */
  static final String WEIGHT = "weight";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[][] URI_SPEC = {
      {"scheme", "true"}, {"://", "false"}, {"address", "true"}, {":", "false"}, {"port", "true"}};

  private final String payloadClass;

  InstanceCodec(String payloadClass) {
    this.payloadClass = payloadClass;
  }

  String payloadClass() {
    return payloadClass;
  }

  /**
   * The node data of {@code instance}.
   *
   * @throws IllegalArgumentException when its metadata holds a {@code weight} that disagrees with
   *     its weight
   */
  byte[] encode(ServiceInstance instance, long registrationTimeUtc) {
    String weight = Integer.toString(instance.weight());
    String given = instance.metadata().get(WEIGHT);
    if (given != null && !given.equals(weight)) {
      throw new IllegalArgumentException("metadata[weight]: '" + given + "' (expected: none or '" + weight
          + "'; the zookeeper registry keeps the weight there, set it with ServiceInstance.Builder.weight)");
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("name", instance.service());
    root.put("id", instance.id());
    root.put("address", instance.host());
    root.put("port", instance.port());
    root.putNull("sslPort");
    ObjectNode payload = root.putObject("payload");
    payload.put("@class", payloadClass);
    payload.put("id", instance.id());
    payload.put("name", instance.service());
    ObjectNode metadata = payload.putObject("metadata");
    metadata.put(WEIGHT, weight);
    instance.metadata().forEach(metadata::put);
    root.put("registrationTimeUTC", registrationTimeUtc);
    root.put("serviceType", "DYNAMIC");
    ArrayNode parts = root.putObject("uriSpec").putArray("parts");
    for (String[] part : URI_SPEC) {
      parts.addObject().put("value", part[0]).put("variable", Boolean.parseBoolean(part[1]));
    }
    root.put("enabled", true);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code node} like {@link #decode}, with its incarnation (the registration time, else the
   * node's creation), but a node that is not an instance is skipped (null) and reported to
   * {@code health}, which warns once per node version, naming its path and what is wrong.
   */
  static @Nullable ServiceInstance decodeOrSkip(String service, ChildData node, HealthTracker health) {
    ServiceInstance instance;
    try {
      instance = decode(service, ZKPaths.getNodeFromPath(node.getPath()), node.getData());
    } catch (IllegalArgumentException e) {
      Stat stat = node.getStat();
      health.malformed(service, node.getPath(), stat == null ? 0 : stat.getMzxid(), String.valueOf(e.getMessage()));
      return null;
    }
    if (instance == null || !instance.incarnation().isEmpty() || node.getStat() == null) {
      return instance;
    }
    // No registration time (a writer other than Curator, Spring Cloud, Dubbo or Keel): the node's
    // creation tells a new registration, which deletes and creates it, from an update.
    return instance.toBuilder().incarnation("czxid:" + Long.toHexString(node.getStat().getCzxid())).build();
  }

  /**
   * Reads the node {@code nodeName} of {@code service}: the instance, or null when the node says
   * {@code "enabled": false}. The incarnation is the registration time, when the node has one.
   *
   * @throws IllegalArgumentException saying what is wrong when the data is not an instance
   */
  static @Nullable ServiceInstance decode(String service, String nodeName, byte @Nullable [] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("no data (expected: Curator x-discovery instance JSON)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      // not a JsonProcessingException: bytes that Jackson's encoding detection takes for UTF-32
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object (expected: Curator x-discovery instance JSON)");
    }
    JsonNode enabled = root.get("enabled");
    if (enabled != null && (enabled.isBoolean() || enabled.isTextual()) && "false".equalsIgnoreCase(enabled.asText())) {
      return null;
    }
    String id = text(root, "id");
    String address = text(root, "address");
    if (address == null) {
      throw new IllegalArgumentException("address: missing (expected: a host name or IP)");
    }
    Integer port = port(root, "port");
    if (port == null) {
      port = port(root, "sslPort");
    }
    if (port == null) {
      throw new IllegalArgumentException("port: missing (expected: port or sslPort, 1..65535)");
    }
    Map<String, String> metadata = metadata(root.get("payload"));
    String weight = metadata.remove(WEIGHT);
    // Curator, Spring Cloud, Dubbo and Keel stamp a registration with the time it was made and keep
    // that stamp when they restore it after a session loss: a process restarted is a new one.
    JsonNode registered = root.get("registrationTimeUTC");
    String incarnation = registered != null && registered.isIntegralNumber() && registered.asLong() > 0
        ? "registered:" + registered.asLong() : "";
    return ServiceInstance.builder().service(service).id(id != null ? id : nodeName).host(address).port(port)
        .weight(weight == null ? ServiceInstance.DEFAULT_WEIGHT : weight(weight)).metadata(metadata)
        .incarnation(incarnation).build();
  }

  /**
   * The payload's {@code metadata} object; for a payload without one (a plain Curator map), its
   * own scalar members. Non-string values are kept as their JSON text.
   */
  private static Map<String, String> metadata(@Nullable JsonNode payload) {
    Map<String, String> out = new LinkedHashMap<>();
    if (payload == null || !payload.isObject()) {
      return out;
    }
    JsonNode nested = payload.get("metadata");
    boolean hasMetadata = nested != null && nested.isObject();
    JsonNode source = hasMetadata ? nested : payload;
    for (Map.Entry<String, JsonNode> e : source.properties()) {
      JsonNode v = e.getValue();
      if (v.isNull() || (!hasMetadata && (e.getKey().equals("@class") || v.isContainerNode()))) {
        continue;
      }
      out.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
    }
    return out;
  }

  private static @Nullable String text(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a non-blank string)");
    }
    return v.asText();
  }

  private static @Nullable Integer port(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.canConvertToInt() && v.isIntegralNumber()) {
      return v.asInt();
    }
    if (v.isTextual()) {
      try {
        return Integer.parseInt(v.asText().strip());
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw new IllegalArgumentException(field + ": " + v + " (expected: 1..65535)");
  }

  private static int weight(String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("metadata[weight]: '" + text + "' (expected: an integer 0..10000)", e);
    }
  }
}
