package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's HTTP/1.1 request decoder: emits what Netty's {@code HttpRequestDecoder} would, an
 * {@link HttpRequest}, then the body as {@code HttpContent}s (retained slices of what was read, not
 * copies), then a {@link LastHttpContent} ({@code EMPTY_LAST_CONTENT} when there is no body and no
 * trailer), but reads the head once, in place ({@link RequestHeadReader}), and is strict where a
 * proxy in front of other parsers must be (RFC 9112): obsolete line folding, Transfer-Encoding with
 * Content-Length, two Content-Lengths, a control byte in the target, a line not ended by CRLF, a
 * name or value byte outside the grammar, a bad chunk size or extension, chunk data not followed by
 * CRLF, a malformed trailer.
 *
 * <p>A refused message comes out with a failed {@link DecoderResult}: a request for a bad head
 * ({@link TooLongHttpLineException} for a request line over {@code maxInitialLine} bytes, {@link
 * TooLongHttpHeaderException} for field lines over {@code maxHeaderSize}, {@link
 * BadRequestException} otherwise), a {@link LastHttpContent} for a bad body. Every byte after a
 * refusal is dropped: the handler answers and closes.
 *
 * <p>Confined to the connection's event loop. A handler may remove it (a WebSocket upgrade): what
 * it has not decoded then goes on as a {@link ByteBuf}.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
  private static final int HEAD = 0;
  private static final int LENGTH = 1;
  private static final int CHUNK_SIZE = 2;
  private static final int CHUNK_DATA = 3;
  private static final int CHUNK_END = 4;
  private static final int TRAILERS = 5;
  private static final int FAILED = 6;

  private final int maxInitialLine;
  private final int maxHeaderSize;
  private final int maxChunkSize;
  private final @Nullable ReadDeadlines deadlines;
  private final RequestHeadReader reader = new RequestHeadReader();
  private final HeadScan scan = new HeadScan();
  private int state = HEAD;
  private long remaining;

  public RequestDecoder(int maxInitialLine, int maxHeaderSize, int maxChunkSize) {
    this(maxInitialLine, maxHeaderSize, maxChunkSize, null);
  }

  /**
   * @param maxInitialLine longest request line (and chunk size line), CR included
   * @param maxHeaderSize most bytes of field lines in a head or a trailer section, line ends excluded
   * @param maxChunkSize largest body piece emitted at once
   * @param deadlines told when request bytes arrive (the first byte of a head starts its deadline); null: none
   */
  public RequestDecoder(int maxInitialLine, int maxHeaderSize, int maxChunkSize, @Nullable ReadDeadlines deadlines) {
    this.maxInitialLine = maxInitialLine;
    this.maxHeaderSize = maxHeaderSize;
    this.maxChunkSize = maxChunkSize;
    this.deadlines = deadlines;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    try {
      super.channelRead(ctx, msg);
    } finally {
      ReadDeadlines d = deadlines;
      if (d != null) {
        d.settle(); // after the messages of this read went to the handler
      }
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (state == FAILED) {
      in.skipBytes(in.readableBytes());
      return;
    }
    ReadDeadlines d = deadlines;
    if (d != null && in.isReadable()) {
      d.onBytes();
    }
    switch (state) {
      case HEAD -> readHead(in, out);
      case LENGTH -> {
        if (readBody(in, out)) {
          end(out, LastHttpContent.EMPTY_LAST_CONTENT);
        }
      }
      case CHUNK_SIZE -> readChunkSize(in, out);
      case CHUNK_DATA -> {
        if (readBody(in, out)) {
          state = CHUNK_END;
        }
      }
      case CHUNK_END -> readChunkEnd(in, out);
      case TRAILERS -> readTrailers(in, out);
      default -> in.skipBytes(in.readableBytes());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    super.decodeLast(ctx, in, out);
    // the client closed inside a message: it is cut short, as Netty's decoder says it
    if (state == HEAD && in.isReadable()) {
      out.add(failedRequest(in, new PrematureChannelClosureException("connection closed before the head ended")));
    } else if (state != HEAD && state != FAILED) {
      out.add(failedEnd(in, new PrematureChannelClosureException("connection closed before the body ended")));
    }
  }

  private void readHead(ByteBuf in, List<Object> out) {
    int length = scan.find(in, true, maxInitialLine, maxHeaderSize);
    if (length == HeadScan.INCOMPLETE) {
      return;
    }
    if (length == HeadScan.LINE_TOO_LONG) {
      out.add(failedRequest(in, new TooLongHttpLineException("request line longer than " + maxInitialLine + " bytes")));
      return;
    }
    if (length == HeadScan.TOO_LARGE) {
      out.add(failedRequest(in, new TooLongHttpHeaderException("header fields larger than " + maxHeaderSize + " bytes")));
      return;
    }
    byte[] h = new byte[length]; // the request's own copy: its values are views over it
    in.readBytes(h);
    HttpRequest req = reader.read(h, length);
    if (req == null) {
      out.add(failedRequest(in, new BadRequestException(reader.problem())));
      return;
    }
    out.add(req);
    if (reader.chunked()) {
      state = CHUNK_SIZE;
    } else if (reader.contentLength() > 0) {
      remaining = reader.contentLength();
      state = LENGTH;
    } else {
      end(out, LastHttpContent.EMPTY_LAST_CONTENT); // no length, no chunking: a request has no body
    }
  }

  /** Emits what has come of the body's {@link #remaining} bytes, slices of at most maxChunkSize; true when all came. */
  private boolean readBody(ByteBuf in, List<Object> out) {
    int n = (int) Math.min(Math.min(remaining, in.readableBytes()), maxChunkSize);
    if (n > 0) {
      out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
      remaining -= n;
    }
    return remaining == 0;
  }

  private void readChunkSize(ByteBuf in, List<Object> out) {
    int r = in.readerIndex();
    int lf = in.indexOf(r, r + Math.min(in.readableBytes(), maxInitialLine + 1), (byte) '\n');
    if (lf < 0) {
      if (in.readableBytes() > maxInitialLine) {
        out.add(failedEnd(in, new TooLongHttpLineException("chunk size line longer than " + maxInitialLine + " bytes")));
      }
      return;
    }
    long size = ChunkExtensions.size(in, r, lf);
    if (size < 0) {
      out.add(failedEnd(in, new BadRequestException(ChunkExtensions.problem(size))));
      return;
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
  private void readChunkEnd(ByteBuf in, List<Object> out) {
    int r = in.readerIndex();
    int n = in.readableBytes();
    if (n == 0) {
      return;
    }
    if (in.getByte(r) != '\r' || (n > 1 && in.getByte(r + 1) != '\n')) {
      out.add(failedEnd(in, new BadRequestException("chunk data not followed by CRLF")));
    } else if (n > 1) {
      in.skipBytes(2);
      state = CHUNK_SIZE;
    }
  }

  private void readTrailers(ByteBuf in, List<Object> out) {
    int length = scan.find(in, false, maxInitialLine, maxHeaderSize);
    if (length == HeadScan.INCOMPLETE) {
      return;
    }
    if (length < 0) {
      out.add(failedEnd(in, new TooLongHttpHeaderException("trailer fields larger than " + maxHeaderSize + " bytes")));
      return;
    }
    if (length == 2 && in.getByte(in.readerIndex()) == '\r') {
      in.skipBytes(2);
      end(out, LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    byte[] h = new byte[length];
    in.readBytes(h);
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, RequestHeadReader.TRAILERS);
    if (!reader.fields(h, 0, length, last.trailingHeaders(), true)) {
      out.add(failedEnd(in, new BadRequestException("trailer: " + reader.problem())));
      return;
    }
    end(out, last);
  }

  private void end(List<Object> out, LastHttpContent last) {
    out.add(last);
    state = HEAD;
  }

  private HttpRequest failedRequest(ByteBuf in, Exception cause) {
    refuse(in);
    HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", RequestHeadReader.HEADERS);
    bad.setDecoderResult(DecoderResult.failure(cause));
    return bad;
  }

  private LastHttpContent failedEnd(ByteBuf in, Exception cause) {
    refuse(in);
    LastHttpContent bad = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, RequestHeadReader.TRAILERS);
    bad.setDecoderResult(DecoderResult.failure(cause));
    return bad;
  }

  /** From a refusal on, every byte is dropped (the handler answers and closes). */
  private void refuse(ByteBuf in) {
    state = FAILED;
    in.skipBytes(in.readableBytes());
  }

  /** Why a request was refused as malformed; no stack trace (the client's fault, answered 400). */
  public static final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
      super(message, null, false, false);
    }
  }
}
