package dev.keel.testsupport;

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
 * Makes Netty buffer leaks fail tests. A module enables it for every test class by depending on
 * this artifact (its {@code META-INF/services} names this extension) and setting
 * {@code junit.jupiter.extensions.autodetection.enabled=true} in its {@code junit-platform.properties}.
 * It records every leak Netty's detector reports and, after each class, forces collection and fails
 * the class when anything leaked. The detection level comes from the build: the parent pom runs
 * surefire and failsafe with {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 *
 * <p>The factory must be installed before Netty makes its buffer leak detector, i.e. before the
 * first buffer of the JVM: JUnit creates autodetected extensions before it runs any test class.
 */
public final class LeakCheck implements AfterAllCallback {
  static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
      // Deprecated, yet still the one abstract method of Netty 4.2's factory: it has to be implemented.
      @SuppressWarnings("deprecation")
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

  /** The leaks reported since the last check, which it clears. */
  static List<String> drain() {
    List<String> found = List.copyOf(LEAKS);
    LEAKS.removeAll(found);
    return found;
  }

  /** Collects garbage and tracks a few buffers, which makes Netty report the leaks it has found. */
  static void flush() throws InterruptedException {
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

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (int i = 0; i < 3; i++) {
      flush();
    }
    assertThat(drain()).as("Netty buffer leaks in " + context.getDisplayName()).isEmpty();
  }
}
