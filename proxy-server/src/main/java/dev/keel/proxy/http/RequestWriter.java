package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.CharsetUtil;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a checked, rewritten request to its upstream as bytes: the head in one buffer, the body
 * as received (length-delimited) or re-chunked (chunked), so the upstream pipeline needs no HTTP
 * encoder and a request is one write of one buffer when it has no body.
 */
final class RequestWriter {
  private static final byte[] HTTP11_CRLF = " HTTP/1.1\r\n".getBytes(CharsetUtil.US_ASCII);
  private static final byte[] LAST_CHUNK = "0\r\n".getBytes(CharsetUtil.US_ASCII);

  private RequestWriter() {}

  /** The request line and header fields, with the empty line. */
  static ByteBuf head(ByteBufAllocator alloc, HttpRequest req) {
    HeadBytes out = HeadBytes.local();
    out.text(req.method().asciiName()).put(' ').text(req.uri()).put(HTTP11_CRLF);
    return fields(out, req.headers()).put(HeadBytes.CRLF).toBuffer(alloc, 0);
  }

  /**
   * Writes (without flushing) a piece of the request body, taking ownership of it; with
   * {@code chunked}, framed as a chunk, and the last piece ends the chunked body with its trailers.
   */
  static void content(Channel ch, HttpContent c, boolean chunked) {
    ByteBuf data = c.content();
    boolean last = c instanceof LastHttpContent;
    if (!chunked) {
      ch.write(data, ch.voidPromise());
      return;
    }
    int n = data.readableBytes();
    if (n > 0) {
      ch.write(ResponseWriter.chunkHeader(ch.alloc(), n), ch.voidPromise());
      ch.write(data, ch.voidPromise());
      ch.write(ResponseWriter.chunkEnd(), ch.voidPromise());
    } else {
      data.release();
    }
    if (last) {
      HeadBytes end = HeadBytes.local().put(LAST_CHUNK);
      fields(end, ((LastHttpContent) c).trailingHeaders());
      ch.write(end.put(HeadBytes.CRLF).toBuffer(ch.alloc(), 0), ch.voidPromise());
    }
  }

  private static HeadBytes fields(HeadBytes out, HttpHeaders headers) {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      out.text(e.getKey()).put(HeadBytes.COLON).text(e.getValue()).put(HeadBytes.CRLF);
    }
    return out;
  }
}
