package dev.keel.proxy.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes Netty buffer leaks fail tests: installed for every test class (autodetected extension),
 * it records every leak Netty's detector reports and, after each class, forces collection and
 * fails the class when anything leaked. Leak detection level comes from the build (paranoid).
 */
public final class LeakCheck implements AfterAllCallback {
  static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
      @Override
      public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
        return new ResourceLeakDetector<T>(resource, samplingInterval) {
          @Override
          protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + records);
            super.reportTracedLeak(resourceType, records);
          }

          @Override
          protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType);
            super.reportUntracedLeak(resourceType);
          }
        };
      }
    });
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      // Leaks are reported when a later buffer is tracked: allocate a few to flush the queue.
      for (int j = 0; j < 8; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.release();
        ByteBuf h = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        h.release();
      }
    }
    List<String> found = List.copyOf(LEAKS);
    LEAKS.clear();
    assertThat(found).as("Netty buffer leaks in " + context.getDisplayName()).isEmpty();
  }
}
