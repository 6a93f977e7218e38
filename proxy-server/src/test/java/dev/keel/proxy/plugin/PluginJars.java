package dev.keel.proxy.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;

/**
 * Builds plug-in jars for tests: classes compiled from source with the JDK's compiler against the
 * test class path (Keel's APIs), packed with the service files given.
 */
final class PluginJars {
  private PluginJars() {}

  /** Compiles {@code sources} (class name → source text) into a new directory under {@code work}. */
  static Path compile(Path work, Map<String, String> sources) throws IOException {
    Path src = Files.createTempDirectory(work, "src");
    Path classes = Files.createTempDirectory(work, "classes");
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
        "-proc:none", "-nowarn"));
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
      Files.createDirectories(java.util.Objects.requireNonNull(file.getParent(), "parent"));
      Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
      args.add(file.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    int rc = javac.run(null, null, new java.io.PrintStream(OutputStream.nullOutputStream()) {
      @Override
      public void write(byte[] b, int off, int len) {
        errors.write(new String(b, off, len, StandardCharsets.UTF_8));
      }
    }, args.toArray(String[]::new));
    if (rc != 0) {
      throw new IllegalStateException("javac failed: " + errors);
    }
    return classes;
  }

  /**
   * Writes {@code jar} holding every file under {@code classes} (null: none) and the service files
   * {@code services} (interface name → file content).
   */
  static Path jar(Path jar, @Nullable Path classes, Map<String, String> services)
      throws IOException {
    Files.createDirectories(java.util.Objects.requireNonNull(jar.getParent(), "parent"));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      if (classes != null) {
        try (Stream<Path> files = Files.walk(classes)) {
          for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
            out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
            out.write(Files.readAllBytes(f));
            out.closeEntry();
          }
        }
      }
      for (Map.Entry<String, String> s : services.entrySet()) {
        out.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
        out.write(s.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }

  /** Source of a policy {@code className} named {@code name} that always picks the first candidate. */
  static String firstPolicy(String className, String name, String constructorBody) {
    int dot = className.lastIndexOf('.');
    return "package " + className.substring(0, dot) + ";\n"
        + "public final class " + className.substring(dot + 1) + " implements dev.keel.balancer.BalancingPolicy {\n"
        + "  public " + className.substring(dot + 1) + "() { " + constructorBody + " }\n"
        + "  @Override public String name() { return \"" + name + "\"; }\n"
        + "  @Override public dev.keel.balancer.Picker newPicker(dev.keel.balancer.Candidates c) {\n"
        + "    dev.keel.balancer.Endpoint first = c.endpoint(0);\n"
        + "    return key -> first;\n"
        + "  }\n"
        + "}\n";
  }
}
