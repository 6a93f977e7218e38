package dev.keel.proxy.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One node of a parsed YAML document with the line it started on: a mapping, a sequence or a
 * scalar (kept as text; null for YAML null). Immutable once built by {@link YamlTree}.
 */
final class ConfigNode {
  enum Kind { MAP, LIST, SCALAR }

  final Kind kind;
  final int line;
  final @Nullable String text;
  final Map<String, ConfigNode> fields;
  final Map<String, Integer> keyLines;
  final List<ConfigNode> items;

  private ConfigNode(Kind kind, int line, @Nullable String text, Map<String, ConfigNode> fields,
      Map<String, Integer> keyLines, List<ConfigNode> items) {
    this.kind = kind;
    this.line = line;
    this.text = text;
    this.fields = fields;
    this.keyLines = keyLines;
    this.items = items;
  }

  static ConfigNode scalar(int line, @Nullable String text) {
    return new ConfigNode(Kind.SCALAR, line, text, Map.of(), Map.of(), List.of());
  }

  /** {@code fields} in the order they were written (a LinkedHashMap); the node keeps it, unmodifiable. */
  static ConfigNode map(int line, Map<String, ConfigNode> fields, Map<String, Integer> keyLines) {
    return new ConfigNode(Kind.MAP, line, null, Collections.unmodifiableMap(fields),
        Collections.unmodifiableMap(keyLines), List.of());
  }

  static ConfigNode list(int line, List<ConfigNode> items) {
    return new ConfigNode(Kind.LIST, line, null, Map.of(), Map.of(), List.copyOf(items));
  }

  boolean isNull() {
    return kind == Kind.SCALAR && text == null;
  }

  String describe() {
    switch (kind) {
      case MAP:
        return "a mapping";
      case LIST:
        return "a list";
      default:
        return text == null ? "null" : "'" + text + "'";
    }
  }
}
