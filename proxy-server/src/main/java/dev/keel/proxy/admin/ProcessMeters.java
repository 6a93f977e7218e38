package dev.keel.proxy.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * The process's own meters: JVM memory (heap, non-heap, buffer pools), GC, threads, CPU, open
 * files, uptime, and the direct memory Netty's allocator holds, which the JVM's buffer pools do
 * not show (Netty allocates it without the JDK's cleaner). Close to unhook the GC listeners.
 */
final class ProcessMeters implements AutoCloseable {
  private final JvmGcMetrics gc = new JvmGcMetrics();

  ProcessMeters(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    if (allocator instanceof ByteBufAllocatorMetricProvider) {
      ByteBufAllocatorMetricProvider p = (ByteBufAllocatorMetricProvider) allocator;
      Gauge.builder("keel_proxy_netty_direct_memory", p, x -> x.metric().usedDirectMemory())
          .baseUnit("bytes")
          .description("direct memory held by Netty's buffer allocator (pooled: whole arenas, in use or not)")
          .register(registry);
      Gauge.builder("keel_proxy_netty_heap_memory", p, x -> x.metric().usedHeapMemory())
          .baseUnit("bytes")
          .description("heap memory held by Netty's buffer allocator")
          .register(registry);
    }
  }

  @Override
  public void close() {
    gc.close();
  }
}
