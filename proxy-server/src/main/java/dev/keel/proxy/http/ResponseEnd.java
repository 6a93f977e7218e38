package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import org.jspecify.annotations.Nullable;

/**
 * The end of an upstream response, with the trailer field lines of a chunked one (checked, as
 * received, ending with their empty line) when it had any. One instance per upstream connection,
 * refilled for each response; it owns its trailer bytes until released.
 */
final class ResponseEnd implements ReferenceCounted {
  private @Nullable ByteBuf trailers;

  void set(@Nullable ByteBuf trailerLines) {
    ByteBuf old = trailers;
    if (old != null) {
      old.release();
    }
    trailers = trailerLines;
  }

  /** The trailer field lines, ending with the empty line; null when there were none. */
  @Nullable ByteBuf trailers() {
    ByteBuf t = trailers;
    return t == null || t.readableBytes() <= 2 ? null : t;
  }

  @Override
  public int refCnt() {
    ByteBuf t = trailers;
    return t == null ? 1 : t.refCnt();
  }

  @Override
  public ResponseEnd retain() {
    return retain(1);
  }

  @Override
  public ResponseEnd retain(int increment) {
    ByteBuf t = trailers;
    if (t != null) {
      t.retain(increment);
    }
    return this;
  }

  @Override
  public ResponseEnd touch() {
    return this;
  }

  @Override
  public ResponseEnd touch(Object hint) {
    return this;
  }

  @Override
  public boolean release() {
    ByteBuf t = trailers;
    trailers = null;
    return t == null || t.release();
  }

  @Override
  public boolean release(int decrement) {
    return release();
  }
}
