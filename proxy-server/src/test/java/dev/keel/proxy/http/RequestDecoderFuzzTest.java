package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the client side of the HTTP front: {@link RequestDecoder} and {@link RequestHead#check}
 * in an {@link EmbeddedChannel}, fed the input's bytes cut into fuzzer-chosen pieces. Properties:
 * no exception escapes the pipeline; every refusal is answered 4xx/5xx with the connection closed;
 * the input buffer and every decoded message are released (leak detection is paranoid, and
 * {@code LeakCheck} fails the class on a report); and the outcome does not depend on how the bytes
 * were split (the same requests, refusal and body bytes as when fed at once).
 */
class RequestDecoderFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void decode(FuzzedDataProvider data) {
    int[] cuts = FuzzPieces.cuts(data);
    byte[] bytes = data.consumeRemainingAsBytes();
    String whole = run(bytes, new int[0]);
    String split = run(bytes, cuts);
    assertThat(split).as("outcome with the input split at %s", java.util.Arrays.toString(cuts)).isEqualTo(whole);
  }

  /** Feeds {@code bytes} cut at {@code cuts} (clamped, ascending) and describes what came out. */
  static String run(byte[] bytes, int[] cuts) {
    Front front = new Front();
    EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(256, 1024, 512), front);
    List<ByteBuf> fed = new ArrayList<>();
    int from = 0;
    for (int to : FuzzPieces.ends(bytes.length, cuts)) {
      if (!ch.isOpen()) {
        break;
      }
      ByteBuf b = Unpooled.buffer(to - from).writeBytes(bytes, from, to - from);
      fed.add(b);
      ch.writeInbound(b);
      ch.checkException();
      from = to;
    }
    Object out;
    while ((out = ch.readOutbound()) != null) {
      try {
        assertThat(out).isInstanceOf(ByteBuf.class);
        String answer = ((ByteBuf) out).toString(StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 ").contains("\r\nconnection: close\r\n");
        int code = Integer.parseInt(answer.substring(9, 12));
        assertThat(code).as("status of a refusal").isBetween(400, 599);
        assertThat(front.refused).as("answered without refusing").isEqualTo(code);
      } finally {
        ReferenceCountUtil.release(out);
      }
    }
    if (front.refused != 0) {
      assertThat(ch.isOpen()).as("open after %s", front.refused).isFalse();
    }
    ch.finishAndReleaseAll();
    for (ByteBuf b : fed) {
      assertThat(b.refCnt()).as("input buffer released").isZero();
    }
    return front.outcome.toString();
  }

  /** Stands in for the proxy handler: checks heads, answers refusals like it, releases everything. */
  static final class Front extends ChannelInboundHandlerAdapter {
    final RequestHead head = new RequestHead();
    final StringBuilder outcome = new StringBuilder();
    int refused;
    long body;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (refused != 0) {
          return;
        }
        if (msg instanceof HttpRequest req) {
          HttpResponseStatus s = head.check(req, 200);
          if (req.decoderResult().isFailure()) {
            // which malformation is seen first may depend on the split; that it is refused may not
            assertThat(s).as("status for a malformed head").isNotNull();
            outcome.append("malformed head\n");
            refused = s.code();
            Errors.sendAndClose(ctx, s);
            return;
          } else {
            outcome.append(req.method()).append(' ').append(req.uri()).append(' ').append(req.protocolVersion())
                .append(" -> ").append(s == null ? "ok" : s.code()).append('\n');
          }
          if (s != null) {
            refuse(ctx, s);
            return;
          }
        }
        if (msg instanceof HttpContent c) {
          if (c.decoderResult().isFailure()) {
            // (which chunk fails may depend on the split, so only that the body was refused is compared)
            outcome.append("malformed body\n");
            refused = 400;
            Errors.sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST);
            return;
          }
          body += c.content().readableBytes();
          if (c instanceof LastHttpContent) {
            outcome.append("body ").append(body).append('\n');
            body = 0;
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus s) {
      refused = s.code();
      outcome.append("refused ").append(s.code()).append('\n');
      Errors.sendAndClose(ctx, s);
    }
  }
}
