package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.CharsetUtil;
import org.jspecify.annotations.Nullable;

/**
 * Writes what the client receives, as bytes: the forwarded response head built from a
 * {@link ResponseHead} (field lines copied as received, hop-by-hop ones dropped, framing and
 * {@code Connection} regenerated: RFC 9110 §7.6.1, RFC 9112 §6), chunk framing, and the proxy's
 * own short responses. The client pipeline has no HTTP encoder: these are its only writers.
 */
final class ResponseWriter {
  private static final byte[] HTTP11 = ascii("HTTP/1.1 ");
  private static final byte[] CHUNKED = ascii("transfer-encoding: chunked\r\n");
  private static final byte[] CONTENT_LENGTH = ascii("content-length: ");
  private static final byte[] CLOSE = ascii("connection: close\r\n");
  private static final byte[] KEEP_ALIVE = ascii("connection: keep-alive\r\n");
  private static final byte[] UPGRADE = ascii("upgrade: websocket\r\nconnection: upgrade\r\n");
  private static final byte[] SET_COOKIE = ascii("set-cookie: ");
  private static final ByteBuf CRLF_BUF = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(HeadBytes.CRLF).asReadOnly());
  private static final ByteBuf LAST_CHUNK = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(ascii("0\r\n\r\n")).asReadOnly());
  private static final ByteBuf CONTINUE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(ascii("HTTP/1.1 100 Continue\r\n\r\n")).asReadOnly());

  /** How the client is sent the body of a response. */
  enum Framing { NONE, AS_IS, CHUNKED, UNTIL_CLOSE }

  private ResponseWriter() {}

  /**
   * The head the client gets for a final (status >= 200) response.
   *
   * @param head what the upstream sent
   * @param headRequest the client asked with HEAD
   * @param http10 the client speaks HTTP/1.0 (no chunking: a body of unknown length is delimited by the close)
   * @param close the client connection closes after this response (always when {@link #framing} is UNTIL_CLOSE)
   * @param cookies sticky-session cookie handling, or null when the listener has none
   */
  static ByteBuf finalHead(ByteBufAllocator alloc, ResponseHead head, boolean headRequest, boolean http10, boolean close,
      @Nullable CookieEdit cookies) {
    return finalHead(alloc, head, headRequest, http10, close, cookies, 0);
  }

  /** As above, with {@code room} more bytes in the buffer for the start of the body. */
  static ByteBuf finalHead(ByteBufAllocator alloc, ResponseHead head, boolean headRequest, boolean http10, boolean close,
      @Nullable CookieEdit cookies, int room) {
    HeadBytes out = HeadBytes.local();
    statusLine(out, head);
    int code = head.status();
    // a HEAD or 304 answer keeps the length of the body a GET would have had
    boolean keepLength = head.hasLength() && code != 204;
    FieldIndex fields = head.fields();
    for (int i = 0; i < fields.count(); i++) {
      if (head.hopByHop(i)) {
        continue;
      }
      if (cookies != null && fields.kind(i) == FieldIndex.SET_COOKIE) {
        cookies.setCookie(out, head, i);
        continue;
      }
      field(out, head, i);
    }
    if (keepLength) {
      out.put(CONTENT_LENGTH).decimal(Math.max(head.contentLength(), 0)).put(HeadBytes.CRLF);
    } else if (framing(head, headRequest, http10) == Framing.CHUNKED) {
      out.put(CHUNKED);
    }
    if (cookies != null) {
      cookies.extra(out);
    }
    if (close) {
      out.put(CLOSE);
    } else if (http10) {
      out.put(KEEP_ALIVE);
    }
    out.put(HeadBytes.CRLF);
    return out.toBuffer(alloc, room);
  }

  /**
   * How the body of {@code head} goes to the client: as received when its length is known, else
   * chunked (HTTP/1.1 clients) or delimited by the close (HTTP/1.0 clients).
   */
  static Framing framing(ResponseHead head, boolean headRequest, boolean http10) {
    int code = head.status();
    if (headRequest || code == 304 || code == 204 || code < 200) {
      return Framing.NONE;
    }
    return switch (head.body()) {
      case ResponseHead.LENGTH -> Framing.AS_IS;
      case ResponseHead.NONE -> Framing.NONE;
      default -> http10 ? Framing.UNTIL_CLOSE : Framing.CHUNKED;
    };
  }

  /** An interim (1xx other than 101) head: hop-by-hop and length fields dropped. */
  static ByteBuf interimHead(ByteBufAllocator alloc, ResponseHead head) {
    HeadBytes out = HeadBytes.local();
    statusLine(out, head);
    copyEndToEnd(out, head);
    return out.put(HeadBytes.CRLF).toBuffer(alloc, 0);
  }

  /** A 101 to a WebSocket: end-to-end fields as received, then the upgrade restated. */
  static ByteBuf switchingHead(ByteBufAllocator alloc, ResponseHead head) {
    HeadBytes out = HeadBytes.local();
    statusLine(out, head);
    copyEndToEnd(out, head);
    return out.put(UPGRADE).put(HeadBytes.CRLF).toBuffer(alloc, 0);
  }

  /** The chunk-size line before {@code length} bytes of a chunked body. */
  static ByteBuf chunkHeader(ByteBufAllocator alloc, int length) {
    ByteBuf out = alloc.buffer(10);
    ByteBufUtil.writeAscii(out, Integer.toHexString(length));
    out.writeBytes(HeadBytes.CRLF);
    return out;
  }

  /** The HeadBytes.CRLF after a chunk's data. */
  static ByteBuf chunkEnd() {
    return CRLF_BUF.duplicate();
  }

  /** The last chunk, with the upstream's trailer lines (ending with their empty line) when there are some. */
  static ByteBuf lastChunk(ByteBufAllocator alloc, @Nullable ByteBuf trailers) {
    if (trailers == null) {
      return LAST_CHUNK.duplicate();
    }
    ByteBuf out = alloc.buffer(3 + trailers.readableBytes());
    ByteBufUtil.writeAscii(out, "0\r\n");
    out.writeBytes(trailers, trailers.readerIndex(), trailers.readableBytes());
    return out;
  }

  /** {@code 100 Continue}. */
  static ByteBuf continue100() {
    return CONTINUE.duplicate();
  }

  /** One of the proxy's own answers: {@code code reason}, a one-line text body, and {@code Connection: close}. */
  static ByteBuf error(ByteBufAllocator alloc, int code, String reason) {
    return error(alloc, code, reason, "");
  }

  /**
   * The proxy's own answer, closing the connection; a non-empty {@code detail} (printable ASCII,
   * see {@link Errors#shown}) is a second line of the body.
   */
  static ByteBuf error(ByteBufAllocator alloc, int code, String reason, String detail) {
    String body = code + " " + reason + "\n" + (detail.isEmpty() ? "" : detail + "\n");
    ByteBuf out = alloc.buffer(160 + body.length());
    out.writeBytes(HTTP11);
    ByteBufUtil.writeAscii(out, code + " " + reason + "\r\ncontent-type: text/plain\r\n"
        + (detail.isEmpty() ? "" : "x-content-type-options: nosniff\r\n")
        + "content-length: " + body.length() + "\r\nconnection: close\r\n\r\n" + body);
    return out;
  }

  private static void statusLine(HeadBytes out, ResponseHead head) {
    out.put(HTTP11).decimal(head.status()).put(' ')
        .put(head.bytes(), head.reasonStart(), head.reasonEnd() - head.reasonStart()).put(HeadBytes.CRLF);
  }

  private static void copyEndToEnd(HeadBytes out, ResponseHead head) {
    for (int i = 0; i < head.fields().count(); i++) {
      if (!head.hopByHop(i)) {
        field(out, head, i);
      }
    }
  }

  /** Field {@code i} as received: name, ": ", value without surrounding whitespace, HeadBytes.CRLF. */
  static void field(HeadBytes out, ResponseHead head, int i) {
    byte[] src = head.bytes();
    FieldIndex f = head.fields();
    out.put(src, f.nameStart(i), f.nameEnd(i) - f.nameStart(i)).put(HeadBytes.COLON)
        .put(src, f.valueStart(i), f.valueEnd(i) - f.valueStart(i)).put(HeadBytes.CRLF);
  }

  static void setCookieLine(HeadBytes out, CharSequence value) {
    out.put(SET_COOKIE).ascii(value).put(HeadBytes.CRLF);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(CharsetUtil.US_ASCII);
  }

  /** Sticky-session edits of a forwarded head: Set-Cookie fields rewritten, and fields added. */
  interface CookieEdit {
    /** Writes Set-Cookie field {@code i} of {@code head}, edited or as received. */
    void setCookie(HeadBytes out, ResponseHead head, int i);

    /** Writes the fields to add (e.g. the proxy's own cookie). */
    void extra(HeadBytes out);
  }
}
