package dev.keel.proxy.h2up;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's streams ({@link H2Stream}) on one upstream HTTP/2 connection as Netty's codec knows
 * them: each codec stream carries its proxy stream as a property under the connection's key. Passes
 * on what the codec tells of a stream (closed, reset, writable again), marks the streams an
 * instance's GOAWAY left out (never processed: they go elsewhere, and are never reset), and gathers
 * the streams that had something handed over in a read, which hear its end together.
 *
 * <p>One per {@link H2Connection}; confined to its event loop.
 */
final class H2StreamTable {
  private final Http2Connection connection;
  private final Http2Connection.PropertyKey key;
  private final H2Slots slots;
  private final H2Stats stats;
  /** Streams that had something handed over in the current read: they hear its end. */
  private final List<H2Stream> batch = new ArrayList<>();

  H2StreamTable(Http2Connection connection, H2Slots slots, H2Stats stats) {
    this.connection = connection;
    this.key = connection.newKey();
    this.slots = slots;
    this.stats = stats;
  }

  /** The key under which a codec stream carries its proxy stream. */
  Http2Connection.PropertyKey key() {
    return key;
  }

  @Nullable H2Stream stream(int streamId) {
    Http2Stream st = connection.stream(streamId);
    return st == null ? null : st.getProperty(key);
  }

  /** The codec closed {@code st}: its proxy stream gives up its slot and ends ({@code cause}: the connection's). */
  void closed(Http2Stream st, @Nullable Throwable cause) {
    H2Stream s = st.removeProperty(key);
    if (s != null) {
      slots.remove(s);
      s.closed(cause);
    }
  }

  /** The instance reset a stream (RST_STREAM): its code is kept for when the codec closes it. */
  void resetRead(int streamId, long errorCode) {
    H2Stream s = stream(streamId);
    if (s != null) {
      s.resetCode = errorCode;
      if (errorCode == Http2Error.REFUSED_STREAM.code()) {
        stats.refused.increment();
      }
    }
  }

  /** The instance's GOAWAY: the streams above {@code lastStreamId} were never processed (refused). */
  void goAwayReceived(int lastStreamId) {
    try {
      connection.forEachActiveStream(st -> {
        H2Stream s = st.getProperty(key);
        if (s != null && st.id() > lastStreamId) {
          s.refusedByGoAway = true; // never processed: Netty closes it next, and it goes elsewhere
          stats.refused.increment();
        }
        return true;
      });
    } catch (Http2Exception e) {
      throw new IllegalStateException("the visitor throws nothing", e);
    }
  }

  /** True for a stream of the proxy's above the last-stream-id of the instance's GOAWAY. */
  boolean leftOutByGoAway(int streamId) {
    return connection.goAwayReceived() && streamId > connection.local().lastStreamKnownByPeer();
  }

  /** {@code st}'s send window (or the connection's) has room again, or has none. */
  void writabilityChanged(Http2Stream st) {
    H2Stream s = st.getProperty(key);
    if (s != null) {
      s.writabilityChanged();
    }
  }

  /** {@code s} handed something over in this read: it hears the read's end. */
  void batch(H2Stream s) {
    if (!s.inBatch) {
      s.inBatch = true;
      batch.add(s);
    }
  }

  /** The end of a read: the streams of its batch hear it. */
  void readComplete() {
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).batchDone();
    }
    batch.clear();
  }
}
