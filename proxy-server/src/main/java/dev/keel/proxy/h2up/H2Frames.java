package dev.keel.proxy.h2up;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The frames an instance sends on one {@link H2Connection}, after Netty's codec checked them: each
 * goes to its {@link H2Stream}, or to the connection. GOAWAY and stream closes come through the
 * connection's listener; PUSH_PROMISE cannot come (the proxy's SETTINGS disable push, and the codec
 * refuses one as a connection error).
 */
final class H2Frames implements Http2FrameListener {
  private final H2Connection conn;

  H2Frames(H2Connection conn) {
    this.conn = conn;
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
    H2Stream s = conn.table().stream(streamId);
    if (s == null) {
      return data.readableBytes() + padding; // a stream the proxy gave up: its bytes go back at once
    }
    return padding + s.arrived(data, endOfStream);
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream) {
    H2Stream s = conn.table().stream(streamId);
    if (s != null) {
      s.arrived(headers, endStream);
    }
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
      short weight, boolean exclusive, int padding, boolean endStream) {
    onHeadersRead(ctx, streamId, headers, padding, endStream);
  }

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
    conn.table().resetRead(streamId, errorCode);
  }

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
    conn.settingsRead();
  }

  @Override
  public void onPingAckRead(ChannelHandlerContext ctx, long data) {
    conn.pingAck(data);
  }

  @Override
  public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean exclusive) {}

  @Override
  public void onSettingsAckRead(ChannelHandlerContext ctx) {}

  @Override
  public void onPingRead(ChannelHandlerContext ctx, long data) {}

  @Override
  public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers, int padding) {}

  @Override
  public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {}

  @Override
  public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {}

  @Override
  public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload) {}
}
