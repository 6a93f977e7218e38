package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Differential fuzzing of the hand-written response parser ({@link UpstreamResponseDecoder}, {@link
 * ResponseHead}, {@link FieldBytes}, {@link ResponseEnd}) against Netty's {@link HttpResponseDecoder}:
 * the same bytes, cut into fuzzer-chosen pieces for ours, whole for Netty's. Each side's framing
 * decisions are written down per response (status, body bytes, complete or not) and must agree, or
 * ours must refuse earlier (a stricter refusal: everything before it agrees, the response it
 * refuses may be cut short). Ours must also decide the same however the bytes are split.
 *
 * <p>Netty is set where ours is deliberately lenient by RFC 9112 (a bare LF ends a line, §2.2; a
 * list of identical Content-Length values is one length in HTTP/1.1, RFC 9110 §8.6), so a difference is a
 * framing difference. What follows a 101 is not compared (ours switches to raw bytes at once;
 * Netty only when the Upgrade is not HTTP/1.x).
 */
class ResponseDecoderFuzzTest {
  private static final String REFUSED = "refused";

  @FuzzTest(maxDuration = "10s")
  void decode(FuzzedDataProvider data) {
    boolean head = data.consumeBoolean();
    int[] cuts = FuzzPieces.cuts(data);
    byte[] bytes = data.consumeRemainingAsBytes();
    List<String> oursWhole = run(new UpstreamResponseDecoder(), head, bytes, new int[0]);
    List<String> ours = run(new UpstreamResponseDecoder(), head, bytes, cuts);
    assertThat(ours).as("ours, split at %s", Arrays.toString(cuts)).isEqualTo(oursWhole);
    List<String> netty = run(null, head, bytes, new int[0]);
    if (!ours.equals(netty)) {
      String input = (head ? "(HEAD) " : "") + new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
          .replace("\r", "\\r").replace("\n", "\\n");
      assertThat(ours).as("ours differs from Netty's %s without refusing: %s", netty, input).isNotEmpty().endsWith(REFUSED);
      int k = ours.size() - 1;
      assertThat(netty.size()).as("ours %s refuses after Netty %s ended", ours, netty).isGreaterThanOrEqualTo(k);
      for (int i = 0; i < k; i++) {
        String o = ours.get(i);
        String n = netty.get(i);
        boolean cutShort = i == k - 1 && o.endsWith(":partial") && sameStatus(o, n) && length(o) <= length(n);
        assertThat(o.equals(n) || cutShort).as("response %d: ours %s, Netty %s: %s", i, ours, netty, input).isTrue();
      }
    }
  }

  private static boolean sameStatus(String a, String b) {
    int i = a.indexOf(':');
    return i > 0 && b.startsWith(a.substring(0, i + 1));
  }

  private static long length(String entry) {
    String[] p = entry.split(":");
    return p.length > 2 ? Long.parseLong(p[1]) : -1;
  }

  /** What a decoder made of {@code bytes} cut at {@code cuts}: ours, or Netty's when {@code ours} is null. */
  static List<String> run(@Nullable UpstreamResponseDecoder ours, boolean head, byte[] bytes, int[] cuts) {
    Transcript t = new Transcript();
    ChannelHandler decoder;
    if (ours != null) {
      ours.expectResponseTo(head);
      decoder = ours;
    } else {
      decoder = new HttpResponseDecoder(new HttpDecoderConfig()
          .setMaxInitialLineLength(UpstreamResponseDecoder.MAX_HEAD)
          .setMaxHeaderSize(UpstreamResponseDecoder.MAX_HEAD)
          .setAllowDuplicateContentLengths(true)
          .setStrictLineParsing(false)) {
        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
          return head || super.isContentAlwaysEmpty(msg);
        }
      };
    }
    EmbeddedChannel ch = new EmbeddedChannel(decoder, t);
    int from = 0;
    for (int to : FuzzPieces.ends(bytes.length, cuts)) {
      if (!ch.isOpen() || t.stopped()) {
        break;
      }
      ch.writeInbound(Unpooled.copiedBuffer(bytes, from, to - from)); // a copy: a decoder compacts its input in place
      from = to;
    }
    ch.finishAndReleaseAll(); // the upstream closes: a close-delimited body ends here
    t.close();
    return t.entries;
  }

  /** Writes down, per response: {@code status:bodyBytes:end|partial}, {@code status:interim}, {@code 101:switched}, then {@code refused}. */
  static final class Transcript extends ChannelInboundHandlerAdapter {
    final List<String> entries = new ArrayList<>();
    private int status = -1;
    private long body;
    private boolean done;

    boolean stopped() {
      return done;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (done) {
          return;
        }
        if (msg instanceof ResponseHead h) {
          head(h.status());
        } else if (msg instanceof HttpResponse r) {
          if (r.decoderResult().isFailure()) {
            refused(r.decoderResult().cause());
            return;
          }
          head(r.status().code());
        }
        if (msg instanceof ByteBuf b) {
          body += b.readableBytes();
        } else if (msg instanceof HttpContent c) {
          if (c.decoderResult().isFailure()) {
            refused(c.decoderResult().cause());
            return;
          }
          body += c.content().readableBytes();
        }
        if (msg instanceof ResponseEnd || msg instanceof LastHttpContent) {
          if (status >= 200) {
            entries.add(status + ":" + body + ":end");
          }
          status = -1; // (Netty ends an interim head with an empty last content; ours does not)
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void head(int code) {
      if (code == 101) {
        entries.add("101:switched");
        done = true; // raw bytes from here on: not compared
      } else if (code < 200) {
        entries.add(code + ":interim");
        status = code;
      } else {
        status = code;
        body = 0;
      }
    }

    private void refused(Throwable cause) {
      if (cause instanceof PrematureChannelClosureException) {
        close(); // the upstream closed mid-message: cut short, as ours says it (no refusal of the bytes)
        done = true;
        return;
      }
      if (status >= 200) {
        entries.add(status + ":" + body + ":partial");
      }
      entries.add(REFUSED);
      done = true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!done) {
        refused(cause);
      }
    }

    void close() {
      if (!done && status >= 200) {
        entries.add(status + ":" + body + ":partial");
        status = -1;
      }
    }
  }
}
