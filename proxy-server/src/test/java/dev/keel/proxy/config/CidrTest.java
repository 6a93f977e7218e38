package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code trusted-proxies} entries: literal addresses and blocks only, in their one canonical spelling. */
class CidrTest {
  /**
   * Spellings that {@code InetAddress.getByName} (and so the old parser) turned into some address:
   * {@code 192.168.1/24} became 192.168.0.0/24, {@code 10/8} became 0.0.0.0/8, {@code 010.0.0.1}
   * became 10.0.0.1 (elsewhere it means octal 8.0.0.1), {@code 127.1} became 127.0.0.1. An operator
   * who wrote one meant something else than what was trusted.
   */
  @ParameterizedTest
  @ValueSource(strings = {"192.168.1/24", "10/8", "127.0.1/24", "010.0.0.1", "10.0.0.010", "127.1", "1.2.3", "2130706433",
      "0x7f.0.0.1", "0177.0.0.1", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "1.2.3.4/", "/8", "1.2.3.4/08", "1.2.3.4/+8",
      "1.2.3.4/-1", "1.2.3.4/33", "::1/129", "::1/0128", "fe80::1%eth0", "[::1]", "::ffff:010.0.0.1", "::ffff:1.2.3/120",
      "\u0661\u0660.0.0.1", "10.0.0.0/\u0668", "10.0.0.0 /8", "10.0.0. 0", "localhost", "proxy.internal", "", "1.2.3.4/8/8",
      "1.2.3.4\u0000", "12:34", "1::2::3"})
  void refusesEverySpellingButTheCanonicalOne(String text) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(expected: ");
  }

  @Test
  void refusesABlockWithHostBitsAndSaysWhichBlockWasMeant() {
    assertThatThrownBy(() -> Cidr.parse("10.1.2.3/8"))
        .hasMessage("'10.1.2.3/8' has bits set beyond its /8 prefix (expected: an address or block like 10.0.0.0/8; did you mean 10.0.0.0/8?)");
    assertThatThrownBy(() -> Cidr.parse("2001:db8::1/32")).hasMessageContaining("did you mean 2001:db8::/32?");
  }

  @Test
  void readsAddressesAndBlocks() throws Exception {
    assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.getByName("10.255.0.1"))).isTrue();
    assertThat(Cidr.parse("10.0.0.0/8").contains(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(Cidr.parse("192.168.1.7").contains(InetAddress.getByName("192.168.1.7"))).isTrue();
    assertThat(Cidr.parse("192.168.1.7").contains(InetAddress.getByName("192.168.1.8"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
    assertThat(Cidr.parse("::1").contains(InetAddress.getByName("::1"))).isTrue();
    assertThat(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
    assertThat(Cidr.parse("::/0").contains(InetAddress.getByName("10.0.0.1"))).isFalse();
  }

  @Test
  void anIpv4MappedBlockMatchesIpv4Peers() throws Exception {
    // Java reports an IPv4 client of a dual-stack socket as an Inet4Address.
    Cidr mapped = Cidr.parse("::ffff:10.0.0.0/104");
    assertThat(mapped.contains(InetAddress.getByName("10.9.8.7"))).isTrue();
    assertThat(mapped.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(mapped.toString()).isEqualTo("::ffff:10.0.0.0/104");
  }
}
