package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import dev.keel.testsupport.StderrCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a client sends reaches the proxy's log only escaped: a refused request's reason quotes the
 * bytes that made it malformed, and those bytes are the client's choice (terminal escape
 * sequences, fake log lines). With {@code KEEL_LOG_LEVEL=DEBUG}, as an operator investigating
 * refusals would run it.
 */
class LogInjectionIntegrationTest {
  @Test
  void refusedRequestsAreLoggedWithTheirBytesEscaped() throws Exception {
    Logger handler = (Logger) LoggerFactory.getLogger(HttpProxyHandler.class);
    Level before = handler.getLevel();
    handler.setLevel(Level.DEBUG);
    try (TestBackend a = new TestBackend("a"); ProxyFixture p = ProxyFixture.of("static://" + a.address(), "");
        StderrCapture logs = StderrCapture.start()) {
      for (String hostile : List.of(
          "GET / HTTP/1.1\r\nHost: x\r\nX-\u001b[2J\u001b[31mEvil: 1\r\n\r\n",
          "GET / HTTP/\u001b]0;owned\u0007\r\nHost: x\r\n\r\n",
          "\u001b[1A\u001b[2KGET / HTTP/1.1\r\nHost: x\r\n\r\n")) {
        try (RawHttp c = new RawHttp(p.address())) {
          assertThat(RawHttp.status(c.send(hostile).readAll())).isEqualTo(400);
        }
      }
      List<String> refused = logs.linesContaining("refused 400");
      assertThat(refused).hasSizeGreaterThanOrEqualTo(3);
      assertThat(logs.all()).as("raw control bytes in the log").doesNotContain("\u001b").doesNotContain("\u0007");
      assertThat(String.join("\n", refused)).contains("\\u001b");
    } finally {
      handler.setLevel(before);
    }
  }
}
