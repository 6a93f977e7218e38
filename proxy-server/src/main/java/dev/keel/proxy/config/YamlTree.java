package dev.keel.proxy.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML into {@link ConfigNode}s that remember their line numbers, so that every config
 * error can point at the line. Duplicate keys are an error.
 */
final class YamlTree {
  private static final YAMLFactory YAML = new YAMLFactory();

  private YamlTree() {}

  static ConfigNode parse(String text) {
    try (JsonParser p = YAML.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return ConfigNode.map(1, new LinkedHashMap<>(), Map.of());
      }
      ConfigNode root = read(p, "");
      if (p.nextToken() != null) {
        throw ConfigException.at(line(p.currentLocation()), "(document)", "more than one YAML document (expected: one)");
      }
      return root;
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException
          && ((com.fasterxml.jackson.core.JsonProcessingException) e).getLocation() != null
          ? line(((com.fasterxml.jackson.core.JsonProcessingException) e).getLocation()) : 0;
      throw ConfigException.at(line, "(yaml)", "not valid YAML: " + msg);
    }
  }

  private static ConfigNode read(JsonParser p, String path) throws IOException {
    JsonToken t = p.currentToken();
    int line = line(p.currentTokenLocation());
    switch (t) {
      case START_OBJECT: {
        LinkedHashMap<String, ConfigNode> fields = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int keyLine = line(p.currentTokenLocation());
          String childPath = path.isEmpty() ? key : path + "." + key;
          if (fields.containsKey(key)) {
            throw ConfigException.at(keyLine, childPath, "duplicate key (first on line " + keyLines.get(key) + ")");
          }
          p.nextToken();
          fields.put(key, read(p, childPath));
          keyLines.put(key, keyLine);
        }
        return ConfigNode.map(line, fields, keyLines);
      }
      case START_ARRAY: {
        List<ConfigNode> items = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(read(p, path + "[" + i++ + "]"));
        }
        return ConfigNode.list(line, items);
      }
      case VALUE_NULL:
        return ConfigNode.scalar(line, null);
      default:
        return ConfigNode.scalar(line, p.getText());
    }
  }

  private static int line(JsonLocation loc) {
    return loc == null ? 0 : loc.getLineNr();
  }
}
