package dev.keel.proxy.http2;

import io.netty.channel.ChannelPipeline;

/**
 * What a client connection of an HTTP listener becomes once its protocol is known ({@link
 * PrefaceSniffer}, {@link AlpnProtocols}): the handlers of HTTP/1.1 or of HTTP/2, added at the end
 * of its pipeline. Called on the connection's event loop; the handlers added start reading.
 */
public interface Protocols {
  void http1(ChannelPipeline pipeline);

  void http2(ChannelPipeline pipeline);
}
