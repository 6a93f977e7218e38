package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the responses of an upstream connection without building header objects: the head is
 * checked and indexed in place ({@link ResponseHead}, reused for every response of the
 * connection), the body comes out as retained slices of what was read, and {@link ResponseEnd}
 * closes each final response. An interim (1xx) head comes alone, without an end; after a 101 the
 * rest of the connection's bytes come out raw, as read (a tunnel's). The proxy writes the head it forwards from that index, so a response is
 * parsed once and its headers are copied, never decoded to strings and encoded again.
 *
 * <p>Strict where a proxy must be (RFC 9112): a malformed status line, header name or value,
 * obsolete line folding, {@code Content-Length} with {@code Transfer-Encoding}, differing lengths,
 * or a bad chunk size fail the connection with a {@link DecoderException} (the exchange is retried
 * or answered 502); a response without length or chunking is read until the upstream closes.
 *
 * <p>One request at a time per upstream connection: {@link #expectResponseTo(boolean)} is called
 * before each request is sent. Confined to the connection's event loop.
 */
public final class UpstreamResponseDecoder extends ByteToMessageDecoder {
  /** Largest response head accepted, status line and headers (as Netty's decoder default: 64 KiB). */
  static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_CHUNK_LINE = 4096;
  private static final int HEAD = 0;
  private static final int LENGTH = 1;
  private static final int CHUNK_SIZE = 2;
  private static final int CHUNK_DATA = 3;
  private static final int CHUNK_END = 4;
  private static final int TRAILERS = 5;
  private static final int UNTIL_CLOSE = 6;
  private static final int FAILED = 7;
  private static final int SWITCHED = 8;

  private final ResponseHead head = new ResponseHead();
  private final ResponseEnd end = new ResponseEnd();
  private int state = HEAD;
  private long remaining;
  private boolean headRequest;

  /** The next response answers a HEAD request when {@code headRequest}: it has no body, whatever its headers say. */
  public void expectResponseTo(boolean headRequest) {
    this.headRequest = headRequest;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case HEAD -> readHead(in, out);
      case LENGTH -> {
        int n = (int) Math.min(remaining, in.readableBytes());
        if (n > 0) {
          out.add(in.readRetainedSlice(n));
          remaining -= n;
        }
        if (remaining == 0) {
          finish(out, null);
        }
      }
      case CHUNK_SIZE -> readChunkSize(in);
      case CHUNK_DATA -> {
        int n = (int) Math.min(remaining, in.readableBytes());
        if (n > 0) {
          out.add(in.readRetainedSlice(n));
          remaining -= n;
        }
        if (remaining == 0) {
          state = CHUNK_END;
        }
      }
      case CHUNK_END -> readChunkEnd(in);
      case TRAILERS -> readTrailers(in, out);
      case UNTIL_CLOSE, SWITCHED -> {
        if (in.isReadable()) {
          out.add(in.readRetainedSlice(in.readableBytes()));
        }
      }
      default -> in.skipBytes(in.readableBytes());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    super.decodeLast(ctx, in, out);
    if (state == UNTIL_CLOSE) {
      finish(out, null); // the close ends a close-delimited body; any other open message is truncated
    }
  }

  private void readHead(ByteBuf in, List<Object> out) {
    int length = head.read(in, MAX_HEAD, headRequest);
    if (length == ResponseHead.INCOMPLETE) {
      return;
    }
    if (length == ResponseHead.MALFORMED) {
      throw fail("malformed response: " + head.problem());
    }
    in.skipBytes(length);
    out.add(head);
    int code = head.status();
    if (code < 200) {
      // an interim head has no body and no end; after a 101 the bytes are no longer HTTP/1.1
      state = code == 101 ? SWITCHED : HEAD;
      return;
    }
    switch (head.body()) {
      case ResponseHead.LENGTH -> {
        remaining = head.contentLength();
        state = LENGTH;
      }
      case ResponseHead.CHUNKED -> state = CHUNK_SIZE;
      case ResponseHead.UNTIL_CLOSE -> state = UNTIL_CLOSE;
      default -> finish(out, null);
    }
  }

  private void readChunkSize(ByteBuf in) {
    int r = in.readerIndex();
    int lf = in.indexOf(r, r + Math.min(in.readableBytes(), MAX_CHUNK_LINE), (byte) '\n');
    if (lf < 0) {
      if (in.readableBytes() >= MAX_CHUNK_LINE) {
        throw fail("chunk size line too long");
      }
      return;
    }
    long size = ChunkExtensions.size(in, r, lf);
    if (size < 0) {
      throw fail(ChunkExtensions.problem(size));
    }
    in.readerIndex(lf + 1);
    if (size == 0) {
      state = TRAILERS;
    } else {
      remaining = size;
      state = CHUNK_DATA;
    }
  }

  /** The CRLF after a chunk's data: exactly that (a bare LF here is where parsers part ways). */
  private void readChunkEnd(ByteBuf in) {
    int r = in.readerIndex();
    if (!in.isReadable()) {
      return;
    }
    if (in.getByte(r) != '\r') {
      throw fail("chunk data not followed by CRLF");
    }
    if (in.readableBytes() < 2) {
      return;
    }
    if (in.getByte(r + 1) != '\n') {
      throw fail("chunk data not followed by CRLF");
    }
    in.skipBytes(2);
    state = CHUNK_SIZE;
  }

  private void readTrailers(ByteBuf in, List<Object> out) {
    int length = head.readTrailers(in, MAX_HEAD);
    if (length == ResponseHead.INCOMPLETE) {
      return;
    }
    if (length == ResponseHead.MALFORMED) {
      throw fail("malformed trailer: " + head.problem());
    }
    finish(out, in.readRetainedSlice(length));
  }

  private void finish(List<Object> out, @Nullable ByteBuf trailers) {
    end.set(trailers);
    out.add(end);
    state = HEAD;
  }

  private DecoderException fail(String why) {
    state = FAILED;
    return new UpstreamProtocolException(why);
  }

  /** A response the proxy will not forward; no stack trace (an upstream's fault, reported as a 502). */
  static final class UpstreamProtocolException extends DecoderException {
    private static final long serialVersionUID = 1L;

    UpstreamProtocolException(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
