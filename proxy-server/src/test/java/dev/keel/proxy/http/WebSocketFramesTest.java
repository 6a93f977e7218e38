package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Frame and message boundaries of one tunnel direction, from headers alone, across buffer splits. */
class WebSocketFramesTest {
  private static byte[] frame(boolean fin, int opcode, int length, boolean masked) {
    int ext = length > 65535 ? 8 : length > 125 ? 2 : 0;
    ByteBuf b = Unpooled.buffer();
    b.writeByte((fin ? 0x80 : 0) | opcode);
    int len7 = ext == 8 ? 127 : ext == 2 ? 126 : length;
    b.writeByte((masked ? 0x80 : 0) | len7);
    if (ext == 2) {
      b.writeShort(length);
    } else if (ext == 8) {
      b.writeLong(length);
    }
    if (masked) {
      b.writeInt(0x12345678);
    }
    b.writeZero(length);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuf b = Unpooled.wrappedBuffer(parts);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  /** Feeds {@code bytes} one byte at a time; returns the indexes after which a message boundary was reached. */
  private static java.util.List<Integer> boundariesByteByByte(WebSocketFrames f, byte[] bytes) {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    ByteBuf b = Unpooled.wrappedBuffer(bytes);
    for (int i = 0; i < bytes.length; i++) {
      f.scan(b, i, i + 1, false);
      if (f.atMessageBoundary()) {
        out.add(i + 1);
      }
    }
    return out;
  }

  @Test
  void boundariesAfterWholeMessagesOnlyWhateverTheSplit() {
    byte[] text = frame(true, 1, 5, false);
    byte[] first = frame(false, 1, 200, true);
    byte[] ping = frame(true, 9, 3, true);
    byte[] last = frame(true, 0, 70_000, true);
    byte[] bytes = concat(text, first, ping, last);
    WebSocketFrames f = new WebSocketFrames();
    // After the 5-byte text frame, then only after the last fragment: not after the ping between fragments.
    assertThat(boundariesByteByByte(f, bytes)).containsExactly(text.length, bytes.length);
    assertThat(f.closeSeen()).isFalse();
  }

  @Test
  void scanStopsAtTheFirstMessageBoundary() {
    byte[] a = frame(false, 2, 10, false);
    byte[] b = frame(true, 0, 10, false);
    byte[] c = frame(true, 2, 10, false);
    ByteBuf buf = Unpooled.wrappedBuffer(concat(a, b, c));
    WebSocketFrames f = new WebSocketFrames();
    int at = f.scan(buf, 0, buf.writerIndex(), true);
    assertThat(at).isEqualTo(a.length + b.length);
    assertThat(f.atMessageBoundary()).isTrue();
    assertThat(f.scan(buf, at, buf.writerIndex(), true)).isEqualTo(buf.writerIndex());
    buf.release();
  }

  @Test
  void aCloseFrameIsSeenOnceWhole() {
    byte[] close = frame(true, 8, 2, true);
    WebSocketFrames f = new WebSocketFrames();
    ByteBuf buf = Unpooled.wrappedBuffer(close);
    f.scan(buf, 0, close.length - 1, false);
    assertThat(f.closeSeen()).isFalse();
    f.scan(buf, close.length - 1, close.length, false);
    assertThat(f.closeSeen()).isTrue();
    buf.release();
  }

  @Test
  void framingErrorsBreakTheStreamForGood() {
    assertThat(broken(frame(true, 0, 1, false))).as("continuation without a start").isTrue();
    assertThat(broken(frame(true, 3, 1, false))).as("reserved opcode").isTrue();
    assertThat(broken(frame(false, 9, 1, false))).as("fragmented ping").isTrue();
    assertThat(broken(frame(true, 8, 126, false))).as("long close").isTrue();
    assertThat(broken(concat(frame(false, 1, 1, false), frame(true, 1, 1, false)))).as("text inside a message").isTrue();
    assertThat(broken("GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isTrue();
    assertThat(broken(concat(frame(false, 1, 1, false), frame(true, 10, 0, false), frame(true, 0, 1, false)))).isFalse();
  }

  @Test
  void theCloseFramesTheProxySendsDecodeAsServiceRestartBothWays() {
    for (boolean masked : new boolean[] {true, false}) {
      io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(
          new io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder(masked, false, 125));
      ByteBuf frame = WebSocketTunnel.closeFrame(io.netty.buffer.ByteBufAllocator.DEFAULT, masked);
      WebSocketFrames f = new WebSocketFrames();
      f.scan(frame, frame.readerIndex(), frame.writerIndex(), false);
      assertThat(f.closeSeen()).isTrue();
      ch.writeInbound(frame);
      io.netty.handler.codec.http.websocketx.CloseWebSocketFrame close = ch.readInbound();
      assertThat(close.statusCode()).isEqualTo(WebSocketTunnel.SERVICE_RESTART);
      assertThat(close.reasonText()).isEqualTo("proxy rebalancing");
      close.release();
      ch.finishAndReleaseAll();
    }
  }

  private static boolean broken(byte[] bytes) {
    WebSocketFrames f = new WebSocketFrames();
    ByteBuf b = Unpooled.wrappedBuffer(bytes);
    f.scan(b, 0, bytes.length, false);
    b.release();
    return f.broken() && !f.atMessageBoundary();
  }
}
