package dev.keel.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testsupport.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/configuration.md in sync with keel-proxy: its every-key YAML passes {@code keel-proxy
 * check} (so a key the proxy does not accept fails), every key in its tables is in that YAML, and
 * every key the proxy's ConfigLoader reads and its README shows is in the tables.
 */
class ConfigurationDocTest {
  private static final Pattern TABLE_KEY = Pattern.compile("^\\| `([a-z][a-z0-9.\\[\\]-]*)` \\|", Pattern.MULTILINE);
  private static final Pattern YAML_KEY = Pattern.compile("^( *)(- )?([a-z][a-z0-9-]*):( .*)?$");
  private static final Pattern LOADER_KEY =
      Pattern.compile("\\.(?:required|string|strings|integer|decimal|bool|duration|size|oneOf|parsed|map|list)\\(\"([a-z][a-z0-9-]*)\"");

  private static Path root;
  private static String doc;

  @BeforeAll
  static void read() throws Exception {
    root = KeelProxyCli.projectRoot();
    doc = Files.readString(root.resolve("docs/configuration.md"), StandardCharsets.UTF_8);
  }

  @Test
  void everyKeyBlockPassesKeelProxyCheck(@TempDir Path dir) throws Exception {
    // check reads every TLS file the block names: the /etc/keel/ files, made here.
    TestPki.Authority ca = new TestPki(dir).authority("ca");
    TestPki.Leaf listener = ca.issue("listener", "DNS:web.internal");
    TestPki.Leaf client = ca.issue("proxy-client");
    Path etc = Files.createDirectories(dir.resolve("etc-keel"));
    Files.createDirectories(etc.resolve("plugins")); // plugin-path: an empty directory brings nothing
    Files.copy(listener.cert(), etc.resolve("cert.pem"));
    Files.copy(listener.key(), etc.resolve("key.pem"));
    Files.copy(ca.cert(), etc.resolve("client-ca.pem"));
    Files.copy(ca.cert(), etc.resolve("instances-ca.pem"));
    Files.copy(client.cert(), etc.resolve("proxy-client.pem"));
    Files.copy(client.key(), etc.resolve("proxy-client-key.pem"));
    Path file = dir.resolve("every-key.yaml");
    Files.writeString(file, everyKeyBlock().replace("/etc/keel/", etc + "/"), StandardCharsets.UTF_8);

    KeelProxyCli.Result r = KeelProxyCli.check(file);

    assertThat(r.exitCode()).as("keel-proxy check on the every-key block of docs/configuration.md:%n%s", r.output()).isZero();
  }

  @Test
  void everyKeyInTheTablesIsSetInTheCheckedBlock() {
    Set<String> inBlock = keyPaths(everyKeyBlock());
    Set<String> inTables = tableKeys();

    assertThat(inTables).as("keys in the tables").hasSizeGreaterThan(30);
    assertThat(inBlock).as("keys set in the every-key block").containsAll(inTables);
    assertThat(inTables).as("keys in the tables").containsAll(inBlock);
  }

  @Test
  void everyKeyTheProxyReadsIsDocumented() throws Exception {
    Set<String> leaves = new LinkedHashSet<>();
    for (String k : tableKeys()) {
      for (String part : k.replace("[]", "").split("\\.")) {
        leaves.add(part);
      }
    }
    // ConfigLoader and the sections it delegates to (TlsSections: tls and upstream)
    StringBuilder loader = new StringBuilder();
    try (java.util.stream.Stream<Path> sources = Files.list(root.resolve("proxy-server/src/main/java/dev/keel/proxy/config"))) {
      for (Path source : sources.sorted().toList()) {
        loader.append(Files.readString(source));
      }
    }
    Set<String> read = new LinkedHashSet<>();
    Matcher m = LOADER_KEY.matcher(loader);
    while (m.find()) {
      read.add(m.group(1));
    }
    assertThat(read).as("keys the config loader reads").contains("registry", "listeners", "max-idle-per-loop", "client-ca");
    // Sources may be ahead of the jar the block is checked with (work in progress in proxy-server):
    // compare with the keys the built jar knows, and name the others.
    String built = builtConfigLoader();
    Set<String> notBuilt = new LinkedHashSet<>(read);
    notBuilt.removeIf(built::contains);
    read.removeAll(notBuilt);
    assertThat(leaves).as("key names in docs/configuration.md's tables").containsAll(read);

    Set<String> readme = keyPaths(readmeConfigBlock());
    assertThat(readme).as("keys in proxy-server/README.md's config").contains("listeners[].timeouts.connect");
    readme.removeIf(k -> notBuilt.contains(k.substring(k.lastIndexOf('.') + 1)));
    assertThat(tableKeys()).as("keys in docs/configuration.md's tables").containsAll(readme);
    if (!notBuilt.isEmpty()) {
      System.err.println("ConfigurationDocTest: keys in ConfigLoader.java but not in " + KeelProxyCli.jar()
          + " yet, not compared: " + notBuilt + " (rebuild the jar, then document them)");
    }
  }

  /** The built config package's class bytes as Latin-1 text: their string constants can be searched. */
  private static String builtConfigLoader() throws Exception {
    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(KeelProxyCli.jar().toFile())) {
      assertThat(jar.getJarEntry("dev/keel/proxy/config/ConfigLoader.class")).as("ConfigLoader.class in " + KeelProxyCli.jar()).isNotNull();
      StringBuilder text = new StringBuilder();
      for (java.util.jar.JarEntry e : java.util.Collections.list(jar.entries())) {
        if (e.getName().startsWith("dev/keel/proxy/config/") && e.getName().endsWith(".class")) {
          try (java.io.InputStream in = jar.getInputStream(e)) {
            text.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
          }
        }
      }
      return text.toString();
    }
  }

  private static String everyKeyBlock() {
    int marker = doc.indexOf("<!-- every-key -->");
    assertThat(marker).as("<!-- every-key --> marker in docs/configuration.md").isNotNegative();
    int start = doc.indexOf("```yaml\n", marker) + "```yaml\n".length();
    return doc.substring(start, doc.indexOf("```", start));
  }

  private static String readmeConfigBlock() throws Exception {
    String readme = Files.readString(root.resolve("proxy-server/README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf("```yaml\n", readme.indexOf("## Config")) + "```yaml\n".length();
    // Flow maps ({ a: 1, b: 2 }) become block style, so one parser reads both.
    StringBuilder block = new StringBuilder();
    for (String line : readme.substring(start, readme.indexOf("```", start)).split("\n")) {
      String l = line.replaceAll("\\s+#.*$", "");
      Matcher flow = Pattern.compile("^( *)(- )?([a-z][a-z0-9-]*): \\{(.*)\\}$").matcher(l);
      if (!flow.matches()) {
        block.append(l).append('\n');
        continue;
      }
      String indent = flow.group(1) + (flow.group(2) == null ? "" : "  ");
      block.append(flow.group(1)).append(flow.group(2) == null ? "" : "- ").append(flow.group(3)).append(":\n");
      for (String pair : flow.group(4).split(",")) {
        block.append(indent).append("  ").append(pair.trim()).append('\n');
      }
    }
    return block.toString();
  }

  private static Set<String> tableKeys() {
    Set<String> keys = new LinkedHashSet<>();
    Matcher m = TABLE_KEY.matcher(doc.substring(0, doc.indexOf("## Every key in one file")));
    while (m.find()) {
      keys.add(m.group(1));
    }
    // a list itself (listeners, listeners[].routes): its items' keys have rows of their own, NAME[].*
    Set<String> all = Set.copyOf(keys);
    keys.removeIf(k -> all.stream().anyMatch(o -> o.startsWith(k + "[].")));
    return keys;
  }

  /** Leaf key paths of block-style YAML, lists of maps written as {@code name[]}. */
  static Set<String> keyPaths(String yaml) {
    record Level(int indent, String name) {}
    Deque<Level> stack = new ArrayDeque<>();
    Set<String> parents = new LinkedHashSet<>();
    Set<String> paths = new LinkedHashSet<>();
    for (String line : yaml.split("\n")) {
      Matcher m = YAML_KEY.matcher(line);
      if (!m.matches()) {
        continue;
      }
      boolean item = m.group(2) != null;
      int indent = m.group(1).length() + (item ? 2 : 0);
      while (!stack.isEmpty() && stack.peek().indent() >= indent) {
        stack.pop();
      }
      if (item && !stack.isEmpty() && !stack.peek().name().endsWith("[]")) {
        Level list = stack.pop();
        stack.push(new Level(list.indent(), list.name() + "[]"));
      }
      StringBuilder path = new StringBuilder();
      stack.descendingIterator().forEachRemaining(l -> path.append(l.name()).append('.'));
      path.append(m.group(3));
      String value = m.group(4) == null ? "" : m.group(4).trim();
      if (value.isEmpty()) {
        parents.add(path.toString());
      }
      paths.add(path.toString());
      stack.push(new Level(indent, m.group(3)));
    }
    // A key holding a map is not a leaf: drop it when some key is below it.
    Set<String> leaves = new LinkedHashSet<>();
    for (String p : paths) {
      String q = p.replace("[]", "");
      boolean hasChild = paths.stream().anyMatch(o -> o.replace("[]", "").startsWith(q + "."));
      if (!(parents.contains(p) && hasChild)) {
        leaves.add(p);
      }
    }
    return leaves;
  }
}
