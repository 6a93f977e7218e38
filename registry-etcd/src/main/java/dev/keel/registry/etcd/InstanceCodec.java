package dev.keel.registry.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.registry.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The etcd layout: keys {@code {prefix}/services/{service}/{id}}, values a JSON document
 * {@code {"id","service","host","port","weight","metadata"}} (see the module's README).
 *
 * <p>Decoding is lenient where other languages may differ (unknown fields are ignored; {@code id}
 * and {@code service} default to the key's; {@code weight} defaults to 100) and strict where a
 * wrong value would mislead a balancer (host, port and weight must be valid). Thread-safe.
 */
final class InstanceCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String prefix;

  /** @param prefix normalised: empty or starting with {@code /}, no trailing {@code /} */
  InstanceCodec(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Normalises a key prefix: {@code keel} and {@code /keel/} become {@code /keel}; {@code /} becomes
   * the empty prefix (keys then start with {@code /services/}).
   */
  static String normalizePrefix(String prefix) {
    String p = prefix.strip();
    if (p.isEmpty() || p.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: a key prefix such as /keel)");
    }
    if (!p.startsWith("/")) {
      p = "/" + p;
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  /** Rejects service names that would not fit in one key segment. */
  static String checkService(String service) {
    if (service.isBlank() || service.indexOf('/') >= 0) {
      throw new IllegalArgumentException("service: '" + service + "' (expected: non-blank, no '/')");
    }
    return service;
  }

  String prefix() {
    return prefix;
  }

  /** {@code {prefix}/services/{service}/}: every key of one service starts with it. */
  String serviceKeyPrefix(String service) {
    return prefix + "/services/" + checkService(service) + "/";
  }

  String key(ServiceInstance instance) {
    return serviceKeyPrefix(instance.service()) + instance.id();
  }

  byte[] encode(ServiceInstance instance) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", instance.id());
    node.put("service", instance.service());
    node.put("host", instance.host());
    node.put("port", instance.port());
    node.put("weight", instance.weight());
    ObjectNode metadata = node.putObject("metadata");
    instance.metadata().forEach(metadata::put);
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + instance, e);
    }
  }

  /**
   * Decodes the value at {@code key}, a key under {@link #serviceKeyPrefix(String)} of
   * {@code service}.
   *
   * @throws IllegalArgumentException saying what is wrong with the entry (the caller names the key)
   */
  ServiceInstance decode(String service, String key, byte[] value) {
    String keyPrefix = serviceKeyPrefix(service);
    if (!key.startsWith(keyPrefix) || key.length() == keyPrefix.length()) {
      throw new IllegalArgumentException("key is not of the form " + keyPrefix + "{id}");
    }
    String keyId = key.substring(keyPrefix.length());
    JsonNode node;
    try {
      node = JSON.readTree(new String(value, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String id = text(node, "id", keyId);
    if (!id.equals(keyId)) {
      throw new IllegalArgumentException("id: '" + id + "' (expected: '" + keyId + "', the last key segment)");
    }
    String docService = text(node, "service", service);
    if (!docService.equals(service)) {
      throw new IllegalArgumentException("service: '" + docService + "' (expected: '" + service + "', from the key)");
    }
    JsonNode host = node.get("host");
    if (host == null || !host.isTextual()) {
      throw new IllegalArgumentException("host: " + host + " (expected: a string)");
    }
    return ServiceInstance.builder()
        .service(service)
        .id(id)
        .host(host.asText())
        .port(integer(node, "port", null))
        .weight(integer(node, "weight", ServiceInstance.DEFAULT_WEIGHT))
        .metadata(metadata(node.get("metadata")))
        .build();
  }

  private static String text(JsonNode node, String field, String defaultValue) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return defaultValue;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a string)");
    }
    return v.asText();
  }

  private static int integer(JsonNode node, String field, @Nullable Integer defaultValue) {
    JsonNode v = node.get(field);
    if ((v == null || v.isNull()) && defaultValue != null) {
      return defaultValue;
    }
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: an integer)");
    }
    return v.intValue();
  }

  private static Map<String, String> metadata(@Nullable JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("metadata: " + node + " (expected: an object of strings)");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue();
      if (!v.isValueNode() || v.isNull()) {
        throw new IllegalArgumentException("metadata." + e.getKey() + ": " + v + " (expected: a string)");
      }
      out.put(e.getKey(), v.asText()); // numbers and booleans written by other languages become text
    }
    return out;
  }
}
