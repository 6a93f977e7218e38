package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Netty's request decoder made strict where it is lenient: a header block with obsolete line
 * folding (a line starting with space or tab), a message with both {@code Transfer-Encoding}
 * and {@code Content-Length}, and a request target holding a control character (NUL to US, DEL:
 * RFC 3986 allows none, and an instance or its log would see them raw) come out as failed messages
 * instead of being repaired or passed on. After a failed message every further byte is dropped:
 * the handler answers 400 and closes.
 *
 * <p>The fold check scans each header block once, incrementally, without allocating.
 */
public final class StrictRequestDecoder extends HttpRequestDecoder implements ByteProcessor {
  private static final int START = 0;
  private static final int LINE = 1;
  private static final int AFTER_LF = 2;
  private static final int AFTER_LF_CR = 3;
  private static final int END = 4;
  private static final int FOLD = 5;

  private final @Nullable ReadDeadlines deadlines;
  private boolean inHead = true;
  private boolean rejecting;
  private int scanned;
  private int state = START;

  public StrictRequestDecoder(int maxInitialLine, int maxHeaderSize, int maxChunkSize) {
    this(maxInitialLine, maxHeaderSize, maxChunkSize, null);
  }

  /** @param deadlines told when request bytes arrive (the first byte of a head starts its deadline); null: none */
  public StrictRequestDecoder(int maxInitialLine, int maxHeaderSize, int maxChunkSize, @Nullable ReadDeadlines deadlines) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(maxInitialLine)
        .setMaxHeaderSize(maxHeaderSize)
        .setMaxChunkSize(maxChunkSize)
        .setAllowDuplicateContentLengths(false)
        .setAllowPartialChunks(true)
        .setStrictLineParsing(true)
        .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(true).withValueValidation(true))
        .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(true).withValueValidation(true)));
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
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (rejecting) {
      in.skipBytes(in.readableBytes());
      return;
    }
    ReadDeadlines d = deadlines;
    if (d != null && in.isReadable()) {
      d.onBytes();
    }
    if (inHead) {
      int from = in.readerIndex() + scanned;
      int len = in.writerIndex() - from;
      if (len > 0) {
        int stop = in.forEachByte(from, len, this);
        scanned = (stop < 0 ? in.writerIndex() : stop + 1) - in.readerIndex();
        if (state == FOLD) {
          reject(in, out, "obsolete line folding in the header block");
          return;
        }
        if (state == END) {
          inHead = false;
        }
      }
    }
    int before = in.readerIndex();
    int outBefore = out.size();
    super.decode(ctx, in, out);
    scanned = Math.max(0, scanned - (in.readerIndex() - before));
    for (int i = outBefore; i < out.size(); i++) {
      Object o = out.get(i);
      if (o instanceof HttpMessage && ((HttpMessage) o).decoderResult().isFailure()) {
        rejecting = true;
      } else if (o instanceof HttpRequest r && hasControl(r.uri())) {
        r.setDecoderResult(DecoderResult.failure(new BadRequestException("control character in the request target")));
        rejecting = true;
      }
      if (o instanceof LastHttpContent) {
        inHead = true;
        scanned = 0;
        state = START;
      }
    }
  }

  @Override
  public boolean process(byte b) {
    switch (state) {
      case START:
        if (b != '\r' && b != '\n') {
          state = LINE;
        }
        return true;
      case LINE:
        if (b == '\n') {
          state = AFTER_LF;
        }
        return true;
      case AFTER_LF:
        if (b == ' ' || b == '\t') {
          state = FOLD;
          return false;
        }
        state = b == '\r' ? AFTER_LF_CR : b == '\n' ? END : LINE;
        return state != END;
      case AFTER_LF_CR:
        state = b == '\n' ? END : LINE;
        return state != END;
      default:
        return false;
    }
  }

  private static boolean hasControl(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c < 0x21 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    // RFC 9112 §6.1 lets a server repair this; a proxy in front of other parsers must not.
    message.setDecoderResult(DecoderResult.failure(new BadRequestException("both Transfer-Encoding and Content-Length")));
    rejecting = true;
  }

  private void reject(ByteBuf in, List<Object> out, String why) {
    rejecting = true;
    in.skipBytes(in.readableBytes());
    DefaultHttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    bad.setDecoderResult(DecoderResult.failure(new BadRequestException(why)));
    out.add(bad);
  }

  /** Why a request was refused as malformed. */
  public static final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
      super(message, null, false, false);
    }
  }
}
