package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DidYouMeanTest {
  private static final List<String> SCHEMES = List.of("etcd", "etcds", "memory", "nacos", "static", "zookeeper");

  @Test
  void aSwapOfTwoNeighboursIsOneEdit() {
    assertThat(DidYouMean.closest("ectd", SCHEMES)).isEqualTo("etcd");
    assertThat(DidYouMean.closest("zookeeepr", SCHEMES)).isEqualTo("zookeeper");
    assertThat(DidYouMean.distance("ectd", "etcd")).isEqualTo(1);
  }

  @Test
  void aMissingLetterAndCaseAreForgiven() {
    assertThat(DidYouMean.closest("prefx", List.of("prefix", "ttl", "tls"))).isEqualTo("prefix");
    assertThat(DidYouMean.closest("NACOS", SCHEMES)).isEqualTo("nacos");
  }

  @Test
  void nothingIsSuggestedForAFarWord() {
    assertThat(DidYouMean.closest("consul", SCHEMES)).isNull();
    assertThat(DidYouMean.closest("a", List.of("tls"))).isNull();
    assertThat(DidYouMean.suffix("consul", SCHEMES)).isEmpty();
    assertThat(DidYouMean.suffix("ectd", SCHEMES)).isEqualTo("; did you mean 'etcd'?");
  }
}
