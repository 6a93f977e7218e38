package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathPrefixTest {
  @Test
  void prefixMatchesWholeSegmentsOnlySoApiNeverMatchesApix() {
    PathPrefix p = PathPrefix.parse("/api");

    assertThat(p.match("/api")).isEqualTo(4);
    assertThat(p.match("/api/")).isEqualTo(4);
    assertThat(p.match("/api/orders/1")).isEqualTo(4);
    assertThat(p.match("/api?q=1")).isEqualTo(4);
    assertThat(p.match("/apix")).isEqualTo(-1);
    assertThat(p.match("/apix/orders")).isEqualTo(-1);
    assertThat(p.match("/API")).as("paths are case-sensitive").isEqualTo(-1);
    assertThat(p.match("/ap")).isEqualTo(-1);
  }

  @Test
  void trailingSlashChangesNothingAndRootMatchesEveryPath() {
    assertThat(PathPrefix.parse("/api/")).isEqualTo(PathPrefix.parse("/api"));
    assertThat(PathPrefix.parse("/orders/v1/").match("/orders/v1/x")).isEqualTo(10);
    PathPrefix root = PathPrefix.parse("/");
    assertThat(root.root()).isTrue();
    assertThat(root.match("/anything?x")).isZero();
    assertThat(root.match("*")).isEqualTo(-1);
  }

  @Test
  void percentEncodingIsComparedAsSentNotDecoded() {
    assertThat(PathPrefix.parse("/api").match("/%61pi/x")).isEqualTo(-1);
    assertThat(PathPrefix.parse("/a%20b").match("/a%20b/c")).isEqualTo(6);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "api", "/a//b", "/a/../b", "/./a", "/a?x", "/a#x", "/a b", "//"})
  void invalidPrefixesAreRefusedNamingTheValue(String bad) {
    assertThatThrownBy(() -> PathPrefix.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'")
        .hasMessageContaining("expected: a path starting with /");
  }
}
