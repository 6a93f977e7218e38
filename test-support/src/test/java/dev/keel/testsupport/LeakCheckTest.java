package dev.keel.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * A test class that drops a buffer fails: runs {@link Leaky} and {@link Clean} on their own
 * launcher, as the build runs every class, and checks LeakCheck's verdict on each.
 */
@Timeout(60)
class LeakCheckTest {
  @Test
  void theBuildRunsWithParanoidLeakDetection() {
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
  }

  @Test
  void aClassThatLeaksABufferFails() {
    TestExecutionSummary summary = run(Leaky.class);
    assertThat(summary.getTestsSucceededCount()).as("the leaking test itself passes").isEqualTo(1);
    assertThat(summary.getFailures()).hasSize(1);
    TestExecutionSummary.Failure failure = summary.getFailures().get(0);
    assertThat(failure.getTestIdentifier().isContainer()).as("the class fails, after its tests").isTrue();
    assertThat(failure.getException()).hasMessageContaining("Netty buffer leaks in LeakCheckTest$Leaky")
        .hasMessageContaining("LeakCheckTest$Leaky.leak");
  }

  @Test
  void aClassThatReleasesItsBuffersPasses() {
    TestExecutionSummary summary = run(Clean.class);
    assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    assertThat(summary.getFailures()).isEmpty();
  }

  private static TestExecutionSummary run(Class<?> testClass) {
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
        .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true").build();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(request, listener);
    return listener.getSummary();
  }

  /** Not run by the build (a nested class); {@link #aClassThatLeaksABufferFails} runs it. */
  static class Leaky {
    @Test
    void dropsABuffer() throws Exception {
      leak();
      // Wait until Netty has reported it, so the verdict below does not hang on one GC.
      for (int i = 0; i < 100 && LeakCheck.LEAKS.isEmpty(); i++) {
        LeakCheck.flush();
      }
      assertThat(LeakCheck.LEAKS).isNotEmpty();
    }

    private static void leak() {
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
      b.writeLong(1);
    }
  }

  /** Not run by the build (a nested class); {@link #aClassThatReleasesItsBuffersPasses} runs it. */
  static class Clean {
    @Test
    void releasesItsBuffer() {
      ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
      b.writeLong(1);
      assertThat(b.release()).isTrue();
    }
  }
}
