package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Fuzzes {@link Cidr#parse} (a {@code trusted-proxies} entry): an {@link IllegalArgumentException}
 * whose message says what was expected, or a block that (1) the JDK's lenient parser reads as the
 * same address, so the strict parser never invents one, (2) contains its own network address,
 * (3) parses back from its text to an equal block. CI reaches it through {@link ConfigLoaderFuzzTest},
 * which also feeds it each input.
 */
public class CidrFuzzTest {
  @FuzzTest(maxDuration = "10s")
  public void parse(FuzzedDataProvider data) {
    check(data.consumeRemainingAsString());
  }

  static void check(String text) {
    Cidr c;
    try {
      c = Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("(expected: ");
      return;
    }
    String addr = text.strip();
    int slash = addr.indexOf('/');
    addr = slash < 0 ? addr : addr.substring(0, slash);
    assertThat(addr).matches("[0-9a-fA-F:.]+"); // a literal: getByName below does no DNS lookup
    byte[] lenient;
    try {
      lenient = InetAddress.getByName(addr).getAddress();
    } catch (UnknownHostException e) {
      throw new AssertionError("accepted '" + text + "', which the JDK cannot read", e);
    }
    // Host bits beyond the prefix are refused, so the block's network is the address as written,
    // and the JDK (which also turns ::ffff:a.b.c.d into an IPv4 address) reads the same bytes.
    assertThat(c.network()).as("'%s' read as the JDK reads it", text).isEqualTo(lenient);
    try {
      assertThat(c.contains(InetAddress.getByAddress(c.network()))).as("%s contains its network address", text).isTrue();
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
    assertThat(Cidr.parse(c.toString())).isEqualTo(c);
  }

}
