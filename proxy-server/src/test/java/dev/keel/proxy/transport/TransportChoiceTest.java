package dev.keel.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** How the process's transport is chosen: forced by the property, else epoll where it runs, else NIO. */
class TransportChoiceTest {
  @Test
  void withNothingForcedEpollIsChosenWhereItRunsElseNioAndIoUringOnlyWhenForced() {
    Transport.Choice c = Transport.choose(null, false);
    if (Transport.EPOLL.isAvailable()) {
      assertThat(c.transport()).isEqualTo(Transport.EPOLL);
      assertThat(c.reason()).isEqualTo("the default");
    } else {
      assertThat(c.transport()).isEqualTo(Transport.NIO);
      assertThat(c.reason()).startsWith("epoll not available: ");
    }
  }

  @Test
  void ioUringRunsWhenForced() {
    assumeTrue(Transport.IO_URING.isAvailable(), "io_uring is not available here");
    Transport.Choice c = Transport.choose("io_uring", false);
    assertThat(c.transport()).isEqualTo(Transport.IO_URING);
    assertThat(c.reason()).isEqualTo("-Dkeel.proxy.transport=io_uring");
  }

  @Test
  void spliceChoosesEpollBecauseOnlyEpollCanSplice() {
    assumeTrue(Transport.EPOLL.isAvailable(), "native epoll is not available here");
    Transport.Choice c = Transport.choose("", true);
    assertThat(c.transport()).isEqualTo(Transport.EPOLL);
    assertThat(c.reason()).isEqualTo("-Dkeel.proxy.splice=true needs epoll");
  }

  @Test
  void theForcedTransportWinsOverSplicingAndIgnoresCaseAndBlanks() {
    Transport.Choice c = Transport.choose(" NIO ", true);
    assertThat(c.transport()).isEqualTo(Transport.NIO);
    assertThat(c.reason()).isEqualTo("-Dkeel.proxy.transport=NIO");
  }

  @Test
  void anUnknownTransportIsRefusedNamingThePropertyTheValueAndTheChoices() {
    assertThatThrownBy(() -> Transport.choose("kqueue", false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keel.proxy.transport: kqueue (expected: io_uring, epoll, nio)");
  }

  @Test
  void aForcedTransportThisMachineCannotRunIsRefusedWithTheCause() {
    Optional<Transport> missing = Stream.of(Transport.values()).filter(t -> !t.isAvailable()).findFirst();
    assumeTrue(missing.isPresent(), "every transport runs here");
    assertThatThrownBy(() -> Transport.choose(missing.get().toString(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("keel.proxy.transport: " + missing.get() + " (not available here: ");
  }
}
