package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.accesslog.AccessLogConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code access-log:} section of a listener, as {@code keel-proxy check}, start-up and a reload read it. */
class ConfigLoaderAccessLogTest {
  @TempDir Path dir;

  private static final String MINIMAL = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:8080\n"
      + "    service: demo\n";

  private static ListenerConfig listener(String lines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(MINIMAL + lines, null).listeners().get(0);
  }

  @Test
  void absentMeansNoAccessLog() {
    assertThat(listener("").accessLog()).isNull();
  }

  @Test
  void pathAndFormatAreRead() {
    Path file = dir.resolve("web.log");

    assertThat(listener("    access-log: { path: " + file + " }\n").accessLog())
        .isEqualTo(new AccessLogConfig(file, AccessLogConfig.Format.JSON));
    assertThat(listener("    access-log:\n      path: " + file + "\n      format: combined\n").accessLog())
        .isEqualTo(new AccessLogConfig(file, AccessLogConfig.Format.COMBINED));
  }

  @Test
  void anUnknownFormatNamesKeyValueAndLine() {
    assertThatThrownBy(() -> listener("    access-log:\n      path: " + dir.resolve("web.log") + "\n      format: jsn\n"))
        .hasMessage("line 8: listeners[0].access-log.format: 'jsn' (expected one of: json, combined); did you mean 'json'?");
  }

  @Test
  void aDirectoryThatDoesNotExistFailsWithTheLine() {
    Path file = dir.resolve("missing").resolve("web.log");

    assertThatThrownBy(() -> listener("    access-log:\n      path: " + file + "\n"))
        .hasMessage("line 7: listeners[0].access-log.path: '" + file + "': directory " + file.getParent()
            + " does not exist (expected: an existing directory; the file is created in it)");
  }

  @Test
  void aPathThatIsADirectoryOrRelativeIsRefused() {
    assertThatThrownBy(() -> listener("    access-log: { path: " + dir + " }\n"))
        .hasMessage("line 6: listeners[0].access-log.path: '" + dir + "': not a regular file (expected: a file the proxy appends to)");
    assertThatThrownBy(() -> listener("    access-log: { path: logs/web.log }\n"))
        .hasMessage("line 6: listeners[0].access-log.path: 'logs/web.log' (expected: an absolute file path such as /var/log/keel/orders.log)");
  }

  @Test
  void aMissingPathAndUnknownKeysAreRefused() {
    assertThatThrownBy(() -> listener("    access-log: { format: json }\n"))
        .hasMessageStartingWith("line 6: listeners[0].access-log.path: missing");
    assertThatThrownBy(() -> listener("    access-log: { path: " + dir.resolve("a.log") + ", formt: json }\n"))
        .hasMessage("line 6: listeners[0].access-log.formt: unknown key; did you mean 'format'?");
  }

  @Test
  void tcpListenersAreRefusedRatherThanSilentlyNotLogged() {
    assertThatThrownBy(() -> listener("    protocol: tcp\n    access-log: { path: " + dir.resolve("a.log") + " }\n"))
        .hasMessage("line 7: listeners[0].access-log: on a tcp listener (expected: access logs on http listeners only)");
  }
}
