package dev.keel.examples.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code java -jar proxy-server/target/keel-proxy.jar ARGS} as a child process. The jar is
 * found from the project root; a missing jar fails with the command that builds it.
 */
final class KeelProxyCli {
  private KeelProxyCli() {}

  /** What a run printed (stdout and stderr together) and its exit code. */
  record Result(int exitCode, String output) {}

  /** The project root: the first directory up from here that holds proxy-server/ and docs/. */
  static Path projectRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("proxy-server")) && Files.isDirectory(dir.resolve("docs"))) {
        return dir;
      }
    }
    throw new IllegalStateException("project root (with proxy-server/ and docs/) not found from " + Path.of("").toAbsolutePath());
  }

  static Path jar() {
    Path jar = projectRoot().resolve("proxy-server/target/keel-proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: these tests run keel-proxy's CLI from it"
          + " (build it: mvn -B -q -pl proxy-server -am package -DskipTests, or ./keel build)");
    }
    return jar;
  }

  /** {@code keel-proxy check file}: exit 0 and "ok" when the proxy accepts the file. */
  static Result check(Path file) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar().toString(), "check", file.toString())
        .redirectErrorStream(true);
    pb.environment().remove("REGISTRY"); // the example files' ${REGISTRY:-...} defaults are what is checked
    pb.environment().remove("ADMIN_TOKEN");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("keel-proxy check " + file + " did not end within 60 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
