package dev.keel.proxy.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The instance's side of one upstream HTTP/2 connection run on an {@link EmbeddedChannel}, frame by
 * frame: it reads what the proxy wrote (the preface, then frames, HPACK-decoded) and writes frames
 * of its choosing into the channel as the instance would send them. No HTTP/2 server logic: a test
 * says exactly what the instance does, including what a conforming server rarely does.
 */
public final class H2Script {
  /** One frame the proxy sent. */
  public record Frame(String type, int stream, @Nullable Http2Headers headers, String data, boolean endStream, long code) {
    @Override
    public String toString() {
      return type + "(" + stream + (endStream ? ", end" : "") + (headers != null ? ", " + headers : "")
          + (data.isEmpty() ? "" : ", '" + data + "'") + (code >= 0 ? ", code " + code : "") + ")";
    }
  }

  private final EmbeddedChannel upstream;
  private final EmbeddedChannel scratch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
  private final ChannelHandlerContext ctx = scratch.pipeline().firstContext();
  private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);
  private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
  private final CompositeByteBuf pending = Unpooled.compositeBuffer();
  private boolean prefaceRead;
  private final List<Frame> frames = new ArrayList<>();

  public H2Script(EmbeddedChannel upstream) {
    this.upstream = upstream;
  }

  public EmbeddedChannel channel() {
    return upstream;
  }

  /** Every frame the proxy sent since the last call (the preface is checked and skipped). */
  public List<Frame> received() {
    upstream.runPendingTasks();
    Object m;
    while ((m = upstream.readOutbound()) != null) {
      if (m instanceof ByteBuf b) {
        pending.addComponent(true, b);
      } else {
        ReferenceCountUtil.release(m);
      }
    }
    if (!prefaceRead && pending.readableBytes() >= Http2CodecUtil.connectionPrefaceBuf().readableBytes()) {
      ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
      if (!ByteBufUtil.equals(preface, pending.readSlice(preface.readableBytes()))) {
        throw new AssertionError("the proxy did not start with the HTTP/2 connection preface");
      }
      prefaceRead = true;
    }
    if (prefaceRead) {
      try {
        reader.readFrame(ctx, pending, new Recorder());
      } catch (Http2Exception e) {
        throw new AssertionError("the proxy sent a malformed frame", e);
      }
      pending.discardReadComponents();
    }
    List<Frame> out = List.copyOf(frames);
    frames.clear();
    return out;
  }

  /** The frames of {@link #received()} of one type. */
  public List<Frame> received(String type) {
    return received().stream().filter(f -> f.type().equals(type)).toList();
  }

  private final class Recorder extends Http2FrameAdapter {
    @Override
    public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      frames.add(new Frame("DATA", streamId, null, data.toString(StandardCharsets.ISO_8859_1), endOfStream, -1));
      return data.readableBytes() + padding;
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int padding, boolean endStream) {
      frames.add(new Frame("HEADERS", streamId, headers, "", endStream, -1));
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int dependency, short weight,
        boolean exclusive, int padding, boolean endStream) {
      onHeadersRead(c, streamId, headers, padding, endStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
      frames.add(new Frame("RST_STREAM", streamId, null, "", false, errorCode));
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
      frames.add(new Frame("SETTINGS", 0, null, settings.toString(), false, -1));
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext c) {
      frames.add(new Frame("SETTINGS_ACK", 0, null, "", false, -1));
    }

    @Override
    public void onPingRead(ChannelHandlerContext c, long data) {
      frames.add(new Frame("PING", 0, null, Long.toString(data), false, -1));
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
      frames.add(new Frame("GOAWAY", lastStreamId, null, "", false, errorCode));
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext c, int streamId, int increment) {
      frames.add(new Frame("WINDOW_UPDATE", streamId, null, Integer.toString(increment), false, -1));
    }
  }

  private H2Script send() {
    scratch.flush();
    Object m;
    CompositeByteBuf all = Unpooled.compositeBuffer();
    while ((m = scratch.readOutbound()) != null) {
      all.addComponent(true, (ByteBuf) m);
    }
    upstream.writeInbound(all);
    upstream.runPendingTasks();
    return this;
  }

  /** The instance's SETTINGS (its connection preface), with {@code maxStreams} (0: none said). */
  public H2Script settings(int maxStreams) {
    Http2Settings s = new Http2Settings();
    if (maxStreams > 0) {
      s.maxConcurrentStreams(maxStreams);
    }
    writer.writeSettings(ctx, s, ctx.newPromise());
    return send();
  }

  public H2Script settingsAck() {
    writer.writeSettingsAck(ctx, ctx.newPromise());
    return send();
  }

  /** A response head on {@code stream}. */
  public H2Script head(int stream, String status, boolean endStream, String... fields) {
    Http2Headers h = new DefaultHttp2Headers().status(status);
    for (int i = 0; i + 1 < fields.length; i += 2) {
      h.add(fields[i], fields[i + 1]);
    }
    writer.writeHeaders(ctx, stream, h, 0, endStream, ctx.newPromise());
    return send();
  }

  /** Trailers ending {@code stream}. */
  public H2Script trailers(int stream, String... fields) {
    Http2Headers h = new DefaultHttp2Headers();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      h.add(fields[i], fields[i + 1]);
    }
    writer.writeHeaders(ctx, stream, h, 0, true, ctx.newPromise());
    return send();
  }

  public H2Script data(int stream, String text, boolean endStream) {
    return data(stream, Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1), endStream);
  }

  public H2Script data(int stream, ByteBuf bytes, boolean endStream) {
    writer.writeData(ctx, stream, bytes, 0, endStream, ctx.newPromise());
    return send();
  }

  public H2Script reset(int stream, Http2Error error) {
    writer.writeRstStream(ctx, stream, error.code(), ctx.newPromise());
    return send();
  }

  public H2Script goAway(int lastStream, Http2Error error) {
    writer.writeGoAway(ctx, lastStream, error.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
    return send();
  }

  public H2Script pingAck(long data) {
    writer.writePing(ctx, true, data, ctx.newPromise());
    return send();
  }

  public H2Script windowUpdate(int stream, int increment) {
    writer.writeWindowUpdate(ctx, stream, increment, ctx.newPromise());
    return send();
  }

  /** Releases what was read and not yet parsed. */
  public void close() {
    pending.release();
    scratch.finishAndReleaseAll();
  }
}
