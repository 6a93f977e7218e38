package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * Follows the frame boundaries of one direction of a WebSocket tunnel (RFC 6455 §5.2) without
 * copying or unmasking anything: it reads each frame header (2 to 14 bytes, possibly split over
 * buffers) and skips the payload by count. It tells whether the bytes passed so far end at a
 * <em>message</em> boundary (not inside a frame, not between the fragments of a data message;
 * control frames may come between fragments and do not end a message), and whether a Close frame
 * has passed. That is where a proxy can insert a Close frame of its own without cutting a message.
 *
 * <p>A stream that breaks the framing rules (reserved opcode, continuation without a start, a data
 * frame inside a fragmented message, a fragmented or long control frame, a 64-bit length with the
 * top bit set) makes it {@link #broken()} for good: the tunnel is then relayed as opaque bytes.
 * RSV bits and masking are not checked (extensions and either direction). Event-loop confined.
 */
final class WebSocketFrames {
  private static final int OP_CONTINUATION = 0;
  private static final int OP_CLOSE = 8;

  private final byte[] header = new byte[14];
  private int headerLen;
  private int headerNeed = 2;
  private long payloadLeft;
  private boolean inPayload;
  private int opcode;
  private boolean fragmented;
  private boolean closeSeen;
  private boolean broken;

  /**
   * Follows {@code buf}'s bytes at indexes {@code from} (inclusive) to {@code to} (exclusive), not
   * moving its reader index. With {@code stopAtBoundary}, stops right after the first frame that
   * leaves the stream at a message boundary.
   *
   * @return the index where it stopped: {@code to}, or the message boundary
   */
  int scan(ByteBuf buf, int from, int to, boolean stopAtBoundary) {
    int i = from;
    while (i < to && !broken) {
      if (inPayload) {
        long n = Math.min(payloadLeft, to - i);
        i += (int) n;
        payloadLeft -= n;
        if (payloadLeft == 0) {
          inPayload = false;
          frameEnded();
          if (stopAtBoundary && atMessageBoundary()) {
            return i;
          }
        }
        continue;
      }
      header[headerLen++] = buf.getByte(i++);
      if (headerLen == 2) {
        int len7 = header[1] & 0x7f;
        headerNeed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
      }
      if (headerLen >= 2 && headerLen == headerNeed) {
        headerLen = 0;
        headerNeed = 2;
        frameStarted();
        if (broken) {
          break;
        }
        if (payloadLeft > 0) {
          inPayload = true;
        } else {
          frameEnded();
          if (stopAtBoundary && atMessageBoundary()) {
            return i;
          }
        }
      }
    }
    return broken ? to : i;
  }

  private void frameStarted() {
    boolean fin = (header[0] & 0x80) != 0;
    opcode = header[0] & 0x0f;
    int len7 = header[1] & 0x7f;
    long len = len7;
    if (len7 == 126) {
      len = (header[2] & 0xffL) << 8 | (header[3] & 0xffL);
    } else if (len7 == 127) {
      len = 0;
      for (int k = 2; k < 10; k++) {
        len = len << 8 | (header[k] & 0xffL);
      }
      if (len < 0) {
        broken = true;
        return;
      }
    }
    payloadLeft = len;
    if (opcode >= OP_CLOSE) {
      // Control frames: close, ping, pong (8..10); never fragmented, at most 125 bytes.
      broken = opcode > 10 || !fin || len > 125;
    } else if (opcode == OP_CONTINUATION) {
      broken = !fragmented;
      fragmented = !fin;
    } else {
      // Text or binary (1, 2) start a message; 3..7 are reserved.
      broken = opcode > 2 || fragmented;
      fragmented = !fin;
    }
  }

  private void frameEnded() {
    if (opcode == OP_CLOSE) {
      closeSeen = true;
    }
  }

  /** The bytes passed so far end between two messages (control frames aside). */
  boolean atMessageBoundary() {
    return !broken && !inPayload && headerLen == 0 && !fragmented;
  }

  /** A whole Close frame has passed. */
  boolean closeSeen() {
    return closeSeen;
  }

  /** The stream broke the framing rules: boundaries are unknown from here on. */
  boolean broken() {
    return broken;
  }
}
