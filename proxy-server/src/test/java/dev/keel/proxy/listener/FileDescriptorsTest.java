package dev.keel.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The descriptor budget with a fake count of open descriptors and a fake clock. */
class FileDescriptorsTest {
  private final AtomicLong open = new AtomicLong(40);
  private final AtomicLong now = new AtomicLong();
  private final FileDescriptors fds = new FileDescriptors(200, 64, open::get, now::get);

  @Test
  void admitsUntilTheEstimateReachesTheReserveCountingTwoPerConnection() {
    int admitted = 0;
    while (fds.tryAdmit()) {
      admitted++;
    }
    // 40 open + 2 per admission must stay below 200 - 64 = 136: 48 admissions
    assertThat(admitted).isEqualTo(48);
  }

  @Test
  void aFreshSampleAdmitsAgainWhenConnectionsDidNotCostTheirEstimate() {
    while (fds.tryAdmit()) {
      open.addAndGet(1); // idle clients: one descriptor each, no upstream connection
    }
    assertThat(fds.tryAdmit()).as("no new sample before the resample interval").isFalse();
    now.addAndGet(FileDescriptors.RESAMPLE_NANOS);
    assertThat(fds.tryAdmit()).as("88 open after a sample: room for more").isTrue();
  }

  @Test
  void descriptorsOpenedElsewhereCountFromTheNextSample() {
    assertThat(fds.tryAdmit()).isTrue();
    open.set(136); // upstream pools, health checks, the registry client: not seen by the estimate
    assertThat(fds.tryAdmit()).as("the sample is fresh: the estimate decides").isTrue();
    now.addAndGet(FileDescriptors.MAX_SAMPLE_AGE_NANOS);
    assertThat(fds.tryAdmit()).as("a second later, sampled again").isFalse();
    now.addAndGet(FileDescriptors.RESAMPLE_NANOS);
    assertThat(fds.tryAdmit()).isFalse();
    open.set(100); // connections closed
    now.addAndGet(FileDescriptors.RESAMPLE_NANOS);
    assertThat(fds.tryAdmit()).isTrue();
  }

  @Test
  void theReserveScalesWithTheLimit() {
    assertThat(FileDescriptors.reserveFor(256)).isEqualTo(64);
    assertThat(FileDescriptors.reserveFor(65_536)).isEqualTo(2048);
    assertThat(FileDescriptors.reserveFor(100)).isEqualTo(50);
  }
}
