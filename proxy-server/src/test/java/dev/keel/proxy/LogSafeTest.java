package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {
  @Test
  void controlCharactersCannotStartALineOrDriveTheTerminal() {
    assertThat(LogSafe.escape("a\r\n12:00:00.000 INFO forged")).isEqualTo("a\\x0d\\x0a12:00:00.000 INFO forged");
    assertThat(LogSafe.escape("\u001b[31mred\u001b[0m")).isEqualTo("\\x1b[31mred\\x1b[0m");
    assertThat(LogSafe.escape("nul\0del\u007fc1\u0085")).isEqualTo("nul\\x00del\\x7fc1\\x85");
    assertThat(LogSafe.escape("tab\tend")).isEqualTo("tab\\x09end");
  }

  @Test
  void separatorsAndBidiOverridesAreEscapedToo() {
    assertThat(LogSafe.escape("a\u2028b\u202ec\u2066d")).isEqualTo("a\\u2028b\\u202ec\\u2066d");
  }

  @Test
  void aBackslashIsDoubledSoThatEscapesCannotBeForged() {
    assertThat(LogSafe.escape("x\\x0ay")).isEqualTo("x\\\\x0ay");
  }

  @Test
  void plainTextIsUnchangedAndLongTextIsCut() {
    assertThat(LogSafe.escape("GET /orders?id=42 — ünïcode")).isEqualTo("GET /orders?id=42 — ünïcode");
    assertThat(LogSafe.escape(null)).isEqualTo("null");
    String cut = LogSafe.escape("y".repeat(LogSafe.MAX + 100));
    assertThat(cut).startsWith("yyy").endsWith("...(100 more)").hasSize(LogSafe.MAX + "...(100 more)".length());
  }

  @Test
  void lazyEscapesOnlyWhenPrinted() {
    StringBuilder value = new StringBuilder("a");
    Object lazy = LogSafe.lazy(value);
    value.append("\nb");
    assertThat(lazy.toString()).isEqualTo("a\\x0ab");
  }
}
