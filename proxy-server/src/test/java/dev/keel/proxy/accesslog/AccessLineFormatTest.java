package dev.keel.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class AccessLineFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** 2026-12-07T11:22:11.123Z */
  private static final long TIME = 1796642531123L;
  /** What a client can put in a request target and headers to forge or break a line. */
  private static final String HOSTILE = "/a\"b\\c\r\n{\"status\":200}\u0000\u001b[31m\u007f\u2028\u202e\u00e9\ud83d";

  private static AccessEntry entry(String target, String userAgent) {
    return new AccessEntry(TIME, "203.0.113.7", "GET", target, "HTTP/1.1", 200, 1234, 3_456_789, "orders-1",
        "10.0.0.5:8080", 2, "api", "orders", null, null, userAgent);
  }

  @Test
  void jsonLineCarriesEveryFieldAndParses() throws Exception {
    String line = AccessLineFormat.json(entry("/orders?id=7", "curl/8.5"));

    JsonNode n = JSON.readTree(line);
    assertThat(n.get("time").asText()).isEqualTo("2026-12-07T11:22:11.123Z");
    assertThat(n.get("client").asText()).isEqualTo("203.0.113.7");
    assertThat(n.get("method").asText()).isEqualTo("GET");
    assertThat(n.get("path").asText()).isEqualTo("/orders?id=7");
    assertThat(n.get("status").asInt()).isEqualTo(200);
    assertThat(n.get("bytes_sent").asLong()).isEqualTo(1234);
    assertThat(n.get("duration_ms").decimalValue()).isEqualByComparingTo("3.456");
    assertThat(n.get("upstream_id").asText()).isEqualTo("orders-1");
    assertThat(n.get("upstream_address").asText()).isEqualTo("10.0.0.5:8080");
    assertThat(n.get("attempts").asInt()).isEqualTo(2);
    assertThat(n.get("route").asText()).isEqualTo("api");
    assertThat(n.get("service").asText()).isEqualTo("orders");
    assertThat(n.get("error").isNull()).isTrue();
    assertThat(n.get("referer").isNull()).isTrue();
    assertThat(n.get("user_agent").asText()).isEqualTo("curl/8.5");
  }

  @Test
  void jsonEscapesHostilePathsAndHeadersIntoOnePrintableAsciiLine() throws Exception {
    String line = AccessLineFormat.json(entry(HOSTILE, HOSTILE));

    assertThat(line).matches("[\\x20-\\x7e]+");
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("path").asText()).isEqualTo(HOSTILE);
    assertThat(n.get("user_agent").asText()).isEqualTo(HOSTILE);
    assertThat(n.get("status").asInt()).isEqualTo(200);
    assertThat(n.size()).isEqualTo(16);
  }

  @Test
  void combinedLineIsTheCombinedFormatWithTheProxysFields() {
    AccessEntry e = new AccessEntry(TIME, "203.0.113.7", "POST", "/orders", "HTTP/1.1", 502, 187, 30_001_000_000L,
        "orders-1", "10.0.0.5:8080", 3, null, "orders", "upstream_error", "https://shop.example/", "curl/8.5");

    assertThat(AccessLineFormat.combined(e)).isEqualTo("203.0.113.7 - - [07/Dec/2026:11:22:11 +0000] "
        + "\"POST /orders HTTP/1.1\" 502 187 \"https://shop.example/\" \"curl/8.5\" rt=30.001000 "
        + "upstream=\"orders-1@10.0.0.5:8080\" attempts=3 route=- service=orders error=upstream_error");
  }

  @Test
  void combinedMarksAbsentValuesWithADash() {
    AccessEntry e = new AccessEntry(TIME, "198.51.100.1", "-", "-", "-", 408, 0, 0, null, null, 0, null, null,
        "client_timeout", null, null);

    assertThat(AccessLineFormat.combined(e)).isEqualTo("198.51.100.1 - - [07/Dec/2026:11:22:11 +0000] \"- - -\" 408 0 "
        + "\"-\" \"-\" rt=0.000000 upstream=- attempts=0 route=- service=- error=client_timeout");
  }

  @Test
  void combinedEscapesQuotesControlBytesAndNonAsciiSoNoFieldCanBeForged() {
    String line = AccessLineFormat.combined(entry(HOSTILE, "x\" 200 999 \"forged"));

    assertThat(line).matches("[\\x20-\\x7e]+");
    assertThat(line).contains("\"GET /a\\x22b\\x5cc\\x0d\\x0a{\\x22status\\x22:200}\\x00\\x1b[31m\\x7f\\u2028\\u202e\\xe9\\ud83d HTTP/1.1\"");
    assertThat(line).contains("\"x\\x22 200 999 \\x22forged\"");
    // exactly the quotes the format writes: request, referer, user agent, upstream
    assertThat(line.chars().filter(c -> c == '"').count()).isEqualTo(8);
  }

  @Test
  void longFieldsAreCutWithACountOfWhatWasCut() throws Exception {
    String target = "/" + "x".repeat(AccessLineFormat.MAX_FIELD_CHARS + 99);

    JsonNode n = JSON.readTree(AccessLineFormat.json(entry(target, "ua")));

    assertThat(n.get("path").asText()).hasSize(AccessLineFormat.MAX_FIELD_CHARS + "...(100 more)".length())
        .endsWith("x...(100 more)");
  }
}
