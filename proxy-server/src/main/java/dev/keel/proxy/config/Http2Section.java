package dev.keel.proxy.config;

import java.time.Duration;
import java.util.List;

/**
 * Reads a listener's {@code http2:} key: {@code true}/{@code false}, or a mapping of settings (HTTP/2
 * on unless {@code enabled: false}). Every setting is checked here, so {@code check} refuses what
 * start-up would, with the line and the key.
 */
final class Http2Section {
  private Http2Section() {}

  static Http2Config read(Fields listener) {
    if (!listener.isMap("http2")) {
      return listener.bool("http2", true) ? Http2Config.DEFAULTS : Http2Config.disabled();
    }
    Fields f = listener.map("http2");
    if (f == null) {
      return Http2Config.DEFAULTS;
    }
    Http2Config d = Http2Config.DEFAULTS;
    boolean enabled = f.bool("enabled", true);
    int streams = f.integer("max-concurrent-streams", d.maxConcurrentStreams(), 1, 100_000);
    long window = f.size("initial-window", d.initialWindow());
    if (window < 1024 || window > 16 * 1024 * 1024) {
      throw f.error("initial-window", "'" + f.shownValue("initial-window") + "' (expected: a size in 1k..16m)");
    }
    Duration drain = positive(f, "drain-timeout", d.drainTimeout());
    Duration age = f.duration("max-connection-age", d.maxConnectionAge());
    if (!age.isZero() && age.compareTo(Duration.ofSeconds(1)) < 0) {
      throw f.error("max-connection-age", "'" + f.shownValue("max-connection-age") + "' (expected: 0 (never) or at least 1s)");
    }
    int resets = f.integer("max-resets", d.maxResets(), 0, 1_000_000);
    Duration resetWindow = f.duration("reset-window", d.resetWindow());
    if (resetWindow.compareTo(Duration.ofSeconds(1)) < 0) {
      throw f.error("reset-window", "'" + f.shownValue("reset-window") + "' (expected: a duration of at least 1s)");
    }
    int control = f.integer("max-control-frames", d.maxControlFrames(), 0, 1_000_000);
    int queued = f.integer("max-queued-control-frames", d.maxQueuedControlFrames(), 1, 1_000_000);
    int continuations = f.integer("max-small-continuation-frames", d.maxSmallContinuationFrames(), 1, 10_000);
    int empty = f.integer("max-empty-data-frames", d.maxEmptyDataFrames(), 1, 10_000);
    long retryBuffer = f.size("retry-buffer", d.retryBuffer());
    if (retryBuffer > 16 * 1024 * 1024) {
      throw f.error("retry-buffer", "'" + f.shownValue("retry-buffer") + "' (expected: a size in 0..16m)");
    }
    List<String> idempotent = f.strings("idempotent-grpc-methods");
    for (int i = 0; i < idempotent.size(); i++) {
      if (!Http2Config.GRPC_METHOD.matcher(idempotent.get(i)).matches()) {
        throw f.error("idempotent-grpc-methods", "[" + i + "] '" + idempotent.get(i)
            + "' (expected: /package.Service/Method or /package.Service/*)");
      }
    }
    f.done();
    return new Http2Config(enabled, streams, (int) window, drain, age, resets, resetWindow, control, queued, continuations,
        empty, retryBuffer, idempotent);
  }

  private static Duration positive(Fields f, String key, Duration dflt) {
    Duration v = f.duration(key, dflt);
    if (v.isZero()) {
      throw f.error(key, "'" + f.shownValue(key) + "' (expected: a duration above 0 like 500ms, 5s, 1m)");
    }
    return v;
  }
}
