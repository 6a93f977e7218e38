package dev.keel.examples.demo;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts answers per backend (in total, per {@link Script.Phase} and since the last report) and
 * errors with the moment they happened. Thread-safe; written by the traffic threads.
 */
final class Tally {
  /** An error: when (milliseconds since the demo started) and what. */
  record Failure(long atMillis, String what) {}

  private final LongSupplier clockMillis;
  private final Map<String, LongAdder> total = new ConcurrentHashMap<>();
  private final Map<Script.Phase, Map<String, LongAdder>> byPhase = new EnumMap<>(Script.Phase.class);
  private final Map<String, LongAdder> interval = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final LongAdder intervalFailures = new LongAdder();

  Tally(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
    for (Script.Phase p : Script.Phase.values()) {
      byPhase.put(p, new ConcurrentHashMap<>());
    }
  }

  /** {@code backend} answered a request that was sent during {@code sentIn}. */
  void answered(String backend, Script.Phase sentIn) {
    total.computeIfAbsent(backend, k -> new LongAdder()).increment();
    requireNonNull(byPhase.get(sentIn)).computeIfAbsent(backend, k -> new LongAdder()).increment();
    interval.computeIfAbsent(backend, k -> new LongAdder()).increment();
  }

  void failed(String what) {
    failures.add(new Failure(clockMillis.getAsLong(), what));
    intervalFailures.increment();
  }

  long requests() {
    return total.values().stream().mapToLong(LongAdder::sum).sum();
  }

  Map<String, Long> total() {
    return snapshot(total, false);
  }

  Map<String, Long> inPhase(Script.Phase phase) {
    return snapshot(requireNonNull(byPhase.get(phase)), false);
  }

  List<Failure> failures() {
    return new ArrayList<>(failures);
  }

  /** Answers per backend since the last call, and resets them. */
  Map<String, Long> takeInterval() {
    return snapshot(interval, true);
  }

  long takeIntervalFailures() {
    return intervalFailures.sumThenReset();
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counts, boolean reset) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, reset ? v.sumThenReset() : v.sum()));
    return out;
  }
}
