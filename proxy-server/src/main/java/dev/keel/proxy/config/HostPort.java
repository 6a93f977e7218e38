package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

/** A listen or connect address {@code host:port}; IPv6 hosts in brackets ({@code [::1]:8080}). */
public record HostPort(String host, int port) {
  public HostPort {
    requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host: '' (expected: a host name or address)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
  }

  /** Parses {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces). */
  public static HostPort parse(String s) {
    String t = s.trim();
    int colon = t.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("address: '" + s + "' (expected: host:port)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("address: '" + s + "' (expected: [ipv6]:port)");
    }
    if (host.isEmpty()) {
      host = "0.0.0.0";
    }
    String p = t.substring(colon + 1);
    if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(p) > 65535) {
      throw new IllegalArgumentException("port: '" + p + "' (expected: host:port with a port in 0..65535)");
    }
    return new HostPort(host, Integer.parseInt(p));
  }

  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
