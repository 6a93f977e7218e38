package dev.keel.proxy;

/**
 * Netty settings keel-proxy runs with unless the operator sets them ({@code -Dname=value} wins),
 * chosen from measurements (docs/BENCHMARKS.md):
 * <ul>
 *   <li>{@code io.netty.allocator.type=pooled}: Netty 4.2's default adaptive allocator hands out
 *       buffers from memory that is cold in the CPU cache; the pooled one reuses what was just
 *       freed on the same thread, which measured about 5% less CPU per proxied request here.
 *   <li>{@code io.netty.leakDetection.level=disabled}: sampling leak detection records a stack
 *       trace for one buffer in 128 (about 1% of the CPU of a proxied request). The test suite runs
 *       every test at PARANOID and fails on any leak; set {@code simple} to look for one in production.
 * </ul>
 * Must run before any Netty class is loaded: Netty reads them once, in static initialisers.
 */
final class NettyDefaults {
  private NettyDefaults() {}

  static void apply() {
    setIfAbsent("io.netty.allocator.type", "pooled");
    setIfAbsent("io.netty.leakDetection.level", "disabled");
  }

  private static void setIfAbsent(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }
}
