package dev.keel.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** The PROXY protocol header (v1 text or v2 binary) that tells an upstream who the client is. */
final class ProxyHeaders {
  private ProxyHeaders() {}

  /**
   * The header for {@code client}: its remote address as source, the address it connected to as
   * destination; {@code UNKNOWN} when the two are not both IPv4 or both IPv6.
   *
   * @param version {@code v1} or {@code v2}
   */
  static HAProxyMessage forClient(Channel client, String version) {
    HAProxyProtocolVersion v = switch (version) {
      case "v1" -> HAProxyProtocolVersion.V1;
      case "v2" -> HAProxyProtocolVersion.V2;
      default -> throw new IllegalArgumentException("proxy-protocol: '" + version + "' (expected: v1 or v2)");
    };
    SocketAddress r = client.remoteAddress();
    SocketAddress l = client.localAddress();
    if (r instanceof InetSocketAddress src && l instanceof InetSocketAddress dst
        && src.getAddress() != null && dst.getAddress() != null
        && (src.getAddress() instanceof Inet4Address) == (dst.getAddress() instanceof Inet4Address)) {
      HAProxyProxiedProtocol p = src.getAddress() instanceof Inet4Address ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6;
      return new HAProxyMessage(v, HAProxyCommand.PROXY, p, src.getAddress().getHostAddress(),
          dst.getAddress().getHostAddress(), src.getPort(), dst.getPort());
    }
    return new HAProxyMessage(v, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
  }
}
