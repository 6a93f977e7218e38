package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/**
 * What the proxy's HPACK encoder towards instances puts in the dynamic table: the encoder is given
 * {@link H2ConnectionBuilder#NOT_INDEXED}, as every upstream connection's is; two calls in a row
 * are encoded with it and decoded by a second (the instance's) table.
 */
class H2HeaderIndexingTest {
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(H2ConnectionBuilder.NOT_INDEXED);
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);

  @Test
  void aGrpcTimeoutIsSentAsANeverIndexedLiteralOnEveryCall() throws Http2Exception {
    ByteBuf first = encode(call("4999870u"));
    ByteBuf second = encode(call("4999870u"));
    try {
      // RFC 7541 §6.2.3: 0001xxxx, a literal never indexed, a new name (index 0)
      assertThat(first.getByte(first.readerIndex())).isEqualTo((byte) 0x10);
      // the same value again is still a literal: it never entered the table (indexed, it would be 1 byte)
      assertThat(second.readableBytes()).isEqualTo(first.readableBytes());
      assertThat(decoder.decodeHeaders(3, second).get("grpc-timeout")).hasToString("4999870u");
    } finally {
      first.release();
      second.release();
    }
  }

  @Test
  void otherFieldsAreIndexedAndCostOneByteFromTheSecondCallOn() throws Http2Exception {
    Http2Headers h = new DefaultHttp2Headers().add("content-type", "application/grpc");
    ByteBuf first = encode(h);
    ByteBuf second = encode(h);
    try {
      assertThat(first.readableBytes()).isGreaterThan(1);
      assertThat(second.readableBytes()).isEqualTo(1);
      assertThat(decoder.decodeHeaders(1, first).get("content-type")).hasToString("application/grpc");
    } finally {
      first.release();
      second.release();
    }
  }

  private static Http2Headers call(String timeout) {
    return new DefaultHttp2Headers().add("grpc-timeout", timeout);
  }

  private ByteBuf encode(Http2Headers h) throws Http2Exception {
    ByteBuf out = Unpooled.buffer();
    encoder.encodeHeaders(1, h, out);
    return out;
  }
}
