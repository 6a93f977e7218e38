package dev.keel.proxy.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefix, String text) {
  /** Parses a literal address with an optional {@code /prefix}; host names are refused. */
  public static Cidr parse(String s) {
    String t = s.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || addr.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
      throw new IllegalArgumentException("cidr: '" + s + "'");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(addr).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cidr: '" + s + "'");
    }
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      prefix = Integer.parseInt(t.substring(slash + 1));
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("cidr prefix: '" + s + "'");
      }
    }
    return new Cidr(bytes, prefix, t);
  }

  /** True when {@code address} is inside this block (IPv4 and IPv6 never match each other). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr && ((Cidr) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
