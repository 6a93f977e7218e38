package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {
  @Test
  void plainTextIsKeptAsItIs() {
    assertThat(LogSafe.escape("orders-1 @ 10.0.0.7:8080 zone=a")).isEqualTo("orders-1 @ 10.0.0.7:8080 zone=a");
  }

  @Test
  void controlSeparatorAndBidiCharactersAreEscaped() {
    assertThat(LogSafe.escape("a\nb\rc\td\u001be\u2028f\u202eg\u2066h\u0085"))
        .isEqualTo("a\\u000ab\\u000dc\\u0009d\\u001be\\u2028f\\u202eg\\u2066h\\u0085");
  }

  @Test
  void longTextIsCutWithACountOfWhatWasLeftOut() {
    String s = LogSafe.escape("x".repeat(1000));
    assertThat(s).startsWith("x".repeat(LogSafe.MAX_CHARS)).endsWith("...(800 more chars)");
  }

  @Test
  void nullIsShownAsNull() {
    assertThat(LogSafe.escape(null)).isEqualTo("null");
    assertThat(LogSafe.quote("a\n")).isEqualTo("'a\\u000a'");
  }

  @Test
  void aLongerBoundCanBeAskedFor() {
    assertThat(LogSafe.escape("y".repeat(300), 1000)).isEqualTo("y".repeat(300));
    assertThat(LogSafe.escape("y\n".repeat(10), 4)).isEqualTo("y\\u000ay\\u000a...(16 more chars)");
  }

  @Test
  void lazyEscapesOnlyWhenPrinted() {
    StringBuilder value = new StringBuilder("a");
    Object lazy = LogSafe.lazy(value);
    value.append("\nb");
    assertThat(lazy.toString()).isEqualTo("a\\u000ab");
    assertThat(LogSafe.lazy(null).toString()).isEqualTo("null");
  }
}
