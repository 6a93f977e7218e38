package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Differential fuzzing of {@link RequestDecoder} (with {@link HeadScan}, {@link RequestHeadReader},
 * {@link FieldNames}, {@link ChunkExtensions}) against Netty's {@link HttpRequestDecoder} configured
 * as the proxy configured it before it had its own (strict line parsing, no duplicate
 * Content-Length, validated names and values, Transfer-Encoding with Content-Length refused): the
 * same bytes, cut into fuzzer-chosen pieces for ours, whole for Netty's. Each side's decisions are
 * written down in order (each head: method, target, version, the fields in order; each end: body
 * length and checksum, trailers) and must agree, or ours must refuse earlier: everything before its
 * refusal agrees. Ours must also decide the same however the bytes are split.
 *
 * <p>Where Netty is lenient and ours refuses (expected, so reported as "ours refuses earlier"):
 * bytes other than CR and LF before a request line (Netty skips controls and whitespace), more
 * than one space or a tab between the parts of the request line, a version other than {@code
 * HTTP/d.d}, obsolete line folding (Netty joins the lines), a control byte in the target,
 * Transfer-Encoding with Content-Length in HTTP/1.0 (Netty reads it chunked), a Content-Length of
 * 19 digits, whitespace other than SP and HTAB around a value (Netty trims it). Limits are set
 * high on both sides here: their edges are unit-tested ({@code RequestDecoderTest}).
 */
class RequestDecoderDifferentialFuzzTest {
  private static final String REFUSED = "refused";
  private static final int LIMIT = 64 * 1024;

  @FuzzTest(maxDuration = "10s")
  void decode(FuzzedDataProvider data) {
    int[] cuts = FuzzPieces.cuts(data);
    byte[] bytes = data.consumeRemainingAsBytes();
    List<String> oursWhole = run(new RequestDecoder(LIMIT, LIMIT, LIMIT), bytes, new int[0], true);
    List<String> ours = run(new RequestDecoder(LIMIT, LIMIT, LIMIT), bytes, cuts, true);
    assertThat(ours).as("ours, split at %s", Arrays.toString(cuts)).isEqualTo(oursWhole);
    List<String> netty = run(netty(), bytes, new int[0], false);
    if (!ours.equals(netty)) {
      String input = new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
      assertThat(ours).as("ours differs from Netty's %s without refusing: %s", netty, input).isNotEmpty().endsWith(REFUSED);
      int k = ours.size() - 1;
      assertThat(netty.size()).as("ours %s refuses after Netty %s ended: %s", ours, netty, input).isGreaterThanOrEqualTo(k);
      assertThat(ours.subList(0, k)).as("before ours refused: %s", input).isEqualTo(netty.subList(0, k));
    }
  }

  /** Netty's decoder as {@code StrictRequestDecoder} (removed in issue 16) configured it, limits aside. */
  static HttpRequestDecoder netty() {
    return new HttpRequestDecoder(new HttpDecoderConfig()
        .setMaxInitialLineLength(LIMIT)
        .setMaxHeaderSize(LIMIT)
        .setMaxChunkSize(LIMIT)
        .setAllowDuplicateContentLengths(false)
        .setAllowPartialChunks(true)
        .setStrictLineParsing(true)
        .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(true).withValueValidation(true))
        .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(true).withValueValidation(true))) {
      @Override
      protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("both Transfer-Encoding and Content-Length")));
      }
    };
  }

  /**
   * What {@code decoder} made of {@code bytes} cut at {@code cuts}, and with {@code close} of the
   * client's close after them. Ours is judged with the close (a message cut short must be refused
   * by then: Netty may refuse a line before its end, ours once the line is there or the client is
   * gone), Netty's without (what it does on a close before any message is not framing).
   */
  static List<String> run(ChannelHandler decoder, byte[] bytes, int[] cuts, boolean close) {
    Transcript t = new Transcript();
    EmbeddedChannel ch = new EmbeddedChannel(decoder, t);
    int from = 0;
    for (int to : FuzzPieces.ends(bytes.length, cuts)) {
      if (t.done) {
        break;
      }
      ch.writeInbound(Unpooled.copiedBuffer(bytes, from, to - from));
      from = to;
    }
    t.done = !close;
    ch.finishAndReleaseAll();
    return t.entries;
  }

  /** Writes down {@code head:...} per request, {@code end:bytes:crc:trailers} per end, then {@code refused}. */
  static final class Transcript extends ChannelInboundHandlerAdapter {
    final List<String> entries = new ArrayList<>();
    boolean done;
    private long body;
    private final CRC32 crc = new CRC32();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (done) {
          return;
        }
        if ((msg instanceof HttpMessage m && m.decoderResult().isFailure())
            || (msg instanceof HttpContent c && c.decoderResult().isFailure())) {
          entries.add(REFUSED);
          done = true;
          return;
        }
        if (msg instanceof HttpRequest r) {
          entries.add("head:" + r.method() + " " + r.uri() + " " + r.protocolVersion() + fields(r.headers()));
          body = 0;
          crc.reset();
        }
        if (msg instanceof HttpContent c) {
          body += c.content().readableBytes();
          crc.update(c.content().nioBuffer());
        }
        if (msg instanceof LastHttpContent l) {
          entries.add("end:" + body + ":" + Long.toHexString(crc.getValue()) + fields(l.trailingHeaders()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!done) {
        entries.add(REFUSED);
        done = true;
      }
    }

    private static String fields(HttpHeaders h) {
      StringBuilder s = new StringBuilder();
      for (Map.Entry<String, String> e : h) {
        s.append('|').append(e.getKey()).append(':').append(e.getValue());
      }
      return s.toString();
    }
  }
}
