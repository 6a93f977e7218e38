package dev.keel.proxy.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An address block such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code 2001:db8::/32}: a
 * {@code trusted-proxies} entry, so a parse that reads more into a text than it says would trust
 * the wrong clients.
 *
 * <p>Only the canonical spellings are read: IPv4 as four decimal octets 0..255 without leading
 * zeros (no {@code 10/8}, {@code 192.168.1/24}, {@code 127.1}, {@code 010.0.0.1}, which
 * {@code InetAddress.getByName} reads as other addresses, or as octal elsewhere); IPv6 as RFC 4291
 * text checked by Netty's {@link NetUtil} (no zone, no brackets); a prefix of decimal digits
 * without sign or leading zero, at most 32 or 128. Nothing is resolved. A block with bits set
 * beyond its prefix ({@code 10.1.2.3/8}) is refused with the block that was probably meant, since
 * either reading of it could be the wrong one. An IPv4-mapped block ({@code ::ffff:10.0.0.0/104})
 * is kept as the IPv4 block it maps, since Java reports IPv4 clients of a dual-stack socket as
 * IPv4 addresses.
 *
 * @param network the block's address, 4 or 16 bytes; not to be modified
 * @param prefix the number of leading bits that must match
 * @param text the entry as written
 */
public record Cidr(byte[] network, int prefix, String text) {
  private static final String EXPECTED = "(expected: an address or block like 10.0.0.0/8";
  private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

  /** Parses a literal address with an optional {@code /prefix}; host names and shorthand are refused. */
  public static Cidr parse(String s) {
    int slash = s.indexOf('/');
    String addr = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = ipv4(addr);
    if (bytes == null) {
      bytes = ipv6(addr);
    }
    if (bytes == null) {
      throw new IllegalArgumentException("'" + s + "' " + EXPECTED + ", 192.168.1.7 or 2001:db8::/32)");
    }
    int bits = bytes.length * 8;
    int prefix = slash < 0 ? bits : prefix(s, s.substring(slash + 1), bits);
    byte[] masked = mask(bytes, prefix);
    if (!Arrays.equals(masked, bytes)) {
      throw new IllegalArgumentException("'" + s + "' has bits set beyond its /" + prefix + " prefix " + EXPECTED
          + "; did you mean " + text(masked) + "/" + prefix + "?)");
    }
    if (bytes.length == 16 && prefix >= 96 && Arrays.equals(Arrays.copyOf(bytes, 12), MAPPED_PREFIX)) {
      return new Cidr(Arrays.copyOfRange(bytes, 12, 16), prefix - 96, s);
    }
    return new Cidr(bytes, prefix, s);
  }

  /**
   * The address a literal names, read as strictly as a block's (IPv4-mapped IPv6 as IPv4), or null
   * when {@code s} is not one. Never resolves a name: safe on an event loop, for text from requests.
   */
  public static byte @Nullable [] literal(String s) {
    byte[] b = ipv4(s);
    if (b == null) {
      b = ipv6(s);
    }
    if (b != null && b.length == 16 && Arrays.equals(Arrays.copyOf(b, 12), MAPPED_PREFIX)) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    return b;
  }

  /** Four decimal octets 0..255, ASCII digits, no leading zeros; null when {@code s} is not that. */
  private static byte @Nullable [] ipv4(String s) {
    byte[] out = new byte[4];
    int part = 0;
    int i = 0;
    int n = s.length();
    while (part < 4) {
      int start = i;
      int value = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
      }
      int len = i - start;
      if (len == 0 || (len > 1 && s.charAt(start) == '0') || value > 255) {
        return null;
      }
      out[part++] = (byte) value;
      if (part < 4) {
        if (i >= n || s.charAt(i) != '.') {
          return null;
        }
        i++;
      }
    }
    return i == n ? out : null;
  }

  /** RFC 4291 text without zone or brackets (an embedded IPv4 part strict as above); null otherwise. */
  private static byte @Nullable [] ipv6(String s) {
    if (s.indexOf(':') < 0 || s.indexOf('%') >= 0 || s.indexOf('[') >= 0 || !NetUtil.isValidIpV6Address(s)) {
      return null;
    }
    int lastColon = s.lastIndexOf(':');
    if (s.indexOf('.') >= 0 && ipv4(s.substring(lastColon + 1)) == null) {
      return null;
    }
    byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
    return b != null && b.length == 16 ? b : null;
  }

  private static int prefix(String whole, String p, int bits) {
    boolean digits = !p.isEmpty() && p.length() <= 3 && p.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!digits || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > bits) {
      throw new IllegalArgumentException("'" + whole + "' has prefix '/" + p + "' " + EXPECTED + "; a prefix is 0.." + bits + ")");
    }
    return Integer.parseInt(p);
  }

  private static String text(byte[] address) {
    try {
      return NetUtil.toAddressString(InetAddress.getByAddress(address));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes are an address", e);
    }
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (0xFF << (8 - keep));
    }
    return out;
  }

  /** True when {@code address} is inside this block (IPv4 and IPv6 never match each other). */
  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** True when the address of these 4 or 16 bytes is inside this block. */
  public boolean contains(byte[] a) {
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
  public boolean equals(@Nullable Object o) {
    return o instanceof Cidr && ((Cidr) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
