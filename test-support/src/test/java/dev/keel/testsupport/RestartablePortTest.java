package dev.keel.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RestartablePortTest {
  @Test
  void aPortIsBelowTheEphemeralRangeAndFreeToListenOn() throws IOException {
    int port = RestartablePort.next();
    assertThat(port).isBetween(20_000, 31_999);
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void rebindTriesAgainWhileTheAddressIsStillInUseBareOrWrapped() {
    AtomicInteger tries = new AtomicInteger();
    String bound = RestartablePort.rebind(() -> switch (tries.incrementAndGet()) {
      case 1 -> throw new BindException("Address already in use");
      case 2 -> throw new IOException("Failed to bind", new BindException("Address already in use"));
      default -> "listening";
    });
    assertThat(bound).isEqualTo("listening");
    assertThat(tries).hasValue(3);
  }

  @Test
  void rebindGivesUpAtOnceOnAnyOtherFailure() {
    AtomicInteger tries = new AtomicInteger();
    assertThatThrownBy(() -> RestartablePort.rebind(() -> {
      tries.incrementAndGet();
      throw new IOException("Permission denied");
    })).isInstanceOf(IOException.class).hasMessage("Permission denied");
    assertThat(tries).hasValue(1);
  }
}
