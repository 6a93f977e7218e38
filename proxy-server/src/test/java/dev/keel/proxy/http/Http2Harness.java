package dev.keel.proxy.http;

import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Codec.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP/2 client connection of an HTTP listener on embedded channels, with the fake clock and
 * embedded upstreams of {@link ExchangeHarness} (which it wraps): the client's frames go in as
 * bytes ({@link H2Codec}), the proxy's come out parsed. No sockets, no sleeps.
 */
final class Http2Harness implements AutoCloseable {
  final ExchangeHarness h;
  final EmbeddedChannel client;
  final H2Codec codec = new H2Codec();
  private final List<Frame> seen = new ArrayList<>();

  /** @param before handlers in front of the proxy's (nearer the socket) */
  Http2Harness(int backends, String listenerYaml, ChannelHandler... before) {
    h = new ExchangeHarness(backends, listenerYaml);
    client = h.newHttp2Client(before);
    send(codec.start());
  }

  /** The client sends {@code frames} (one read on the proxy's side). */
  Http2Harness send(byte[]... frames) {
    int n = 0;
    for (byte[] f : frames) {
      n += f.length;
    }
    ByteBuf b = Unpooled.buffer(n);
    for (byte[] f : frames) {
      b.writeBytes(f);
    }
    client.writeInbound(b);
    client.runPendingTasks();
    return this;
  }

  /** A request on {@code streamId}. */
  Http2Harness request(int streamId, Http2Headers headers, boolean endStream) {
    return send(codec.headers(streamId, headers, endStream));
  }

  /** The frames the proxy sent since the last call (SETTINGS acknowledged, as a client does). */
  List<Frame> frames() {
    client.runPendingTasks();
    List<Frame> out = new ArrayList<>();
    Object m;
    while ((m = client.readOutbound()) != null) {
      try {
        if (m instanceof ByteBuf b) {
          byte[] bytes = new byte[b.readableBytes()];
          b.readBytes(bytes);
          out.addAll(codec.parse(bytes));
        }
      } finally {
        ReferenceCountUtil.release(m);
      }
    }
    for (Frame f : out) {
      if (f.type() == H2Codec.SETTINGS && !f.has(H2Codec.ACK)) {
        send(H2Codec.settingsAck());
      }
    }
    seen.addAll(out);
    return out;
  }

  /** The frames of {@code type} among those sent since the last call to {@link #frames()}. */
  List<Frame> frames(int type) {
    return frames().stream().filter(f -> f.type() == type).toList();
  }

  /** Every frame seen so far. */
  List<Frame> seen() {
    return seen;
  }

  /** Moves the clock and runs what became due. */
  Http2Harness advance(Duration d) {
    h.advance(d);
    client.runPendingTasks();
    return this;
  }

  @Override
  public void close() {
    codec.close();
    h.close();
  }
}
