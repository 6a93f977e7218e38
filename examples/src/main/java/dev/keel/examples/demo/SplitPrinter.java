package dev.keel.examples.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Prints the traffic split as a compact table, one row per report: per backend, its share of the
 * requests answered since the previous row, and the long-lived connections the proxy holds to it
 * (from its {@code /status}).
 */
final class SplitPrinter {
  private static final String CELL = "  %-13s";
  private final PrintStream out;
  private final List<String> backends;

  SplitPrinter(PrintStream out, List<String> backends) {
    this.out = out;
    this.backends = backends;
  }

  void header() {
    StringBuilder h = new StringBuilder(String.format("%6s %6s %6s", "time", "req/s", "errors"));
    for (String b : backends) {
      h.append(String.format(CELL, b));
    }
    out.println(h);
    StringBuilder u = new StringBuilder(String.format("%6s %6s %6s", "", "", ""));
    for (int i = 0; i < backends.size(); i++) {
      u.append(String.format(CELL, "req%  conns"));
    }
    out.println(u);
  }

  /**
   * One row.
   *
   * @param seconds seconds since traffic started
   * @param intervalSeconds seconds this row covers
   * @param answered answers per backend in the interval
   * @param errors errors in the interval
   * @param connections long-lived connections per backend, from the proxy
   */
  void row(long seconds, double intervalSeconds, Map<String, Long> answered, long errors, Map<String, Long> connections) {
    long sum = answered.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder r = new StringBuilder(String.format("%5ds %6d %6d", seconds, Math.round(sum / intervalSeconds), errors));
    for (String b : backends) {
      Long n = answered.get(b);
      Long c = connections.get(b);
      String share = n == null || sum == 0 ? "-" : Math.round(100.0 * n / sum) + "%";
      r.append(String.format(CELL, String.format("%4s  %4s", share, c == null ? "-" : c)));
    }
    out.println(r);
  }
}
