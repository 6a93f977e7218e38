package dev.keel.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The idle pool's cap ({@code max-idle-per-loop}) bounds connections idle for longer than the
 * grace period, so a burst of responses beyond it does not close connections the next burst of
 * requests needs (on in-memory channels and a fake clock).
 */
class UpstreamPoolTest {
  private static final int CAP = 2;
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final MockTicker ticker = Ticker.newMockTicker();
  private final EmbeddedChannel loopChannel = EmbeddedChannel.builder().ticker(ticker).build();
  private final List<EmbeddedChannel> dialed = new ArrayList<>();
  private final UpstreamPool pool = new UpstreamPool(loopChannel.eventLoop(), this::dial, (ch, b) -> { }, CAP, IDLE_NANOS);
  private RegistryClient registry;
  private UpstreamPicker picker;
  private Backend backend;

  @BeforeEach
  void start() {
    registry = Registries.open("static://127.0.0.1:9001");
    picker = UpstreamPicker.start(ListenerConfig.of("web", new HostPort("127.0.0.1", 0), "http", "static", "round-robin"),
        registry);
    await().atMost(Duration.ofSeconds(10)).until(() -> picker.backends().size() == 1);
    backend = picker.backends().iterator().next();
  }

  @AfterEach
  void stop() {
    pool.closeIdle();
    picker.close();
    registry.close();
  }

  private ChannelFuture dial(Backend b, ChannelHandler initializer) {
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(initializer).build();
    dialed.add(ch);
    return ch.newSucceededFuture();
  }

  private List<UpstreamConnection> leaseNew(int n) {
    List<UpstreamConnection> leased = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      UpstreamConnection[] out = new UpstreamConnection[1];
      pool.connect(backend, NO_OWNER, out);
      leased.add(out[0]);
    }
    return leased;
  }

  private void advanceMillis(long millis) {
    ticker.advance(millis, TimeUnit.MILLISECONDS);
    loopChannel.runScheduledPendingTasks();
  }

  private long open() {
    return dialed.stream().filter(EmbeddedChannel::isActive).count();
  }

  @Test
  void aBurstBeyondTheCapStaysPooledForTheGracePeriodThenShrinksToTheCap() {
    List<UpstreamConnection> burst = leaseNew(5);
    burst.forEach(c -> c.release(true));
    assertThat(open()).isEqualTo(5);

    advanceMillis(999);
    assertThat(open()).isEqualTo(5);

    advanceMillis(1);
    assertThat(open()).isEqualTo(CAP);
    // the least recently used went: the last two released are the ones left
    assertThat(burst.subList(3, 5)).allMatch(c -> c.channel().isActive());
    assertThat(burst.subList(0, 3)).noneMatch(c -> c.channel().isActive());
  }

  @Test
  void theNextBurstWithinTheGracePeriodReusesEveryConnectionAndOpensNone() {
    List<UpstreamConnection> burst = leaseNew(5);
    burst.forEach(c -> c.release(true));
    advanceMillis(500);

    for (int i = 0; i < 5; i++) {
      assertThat(pool.pollIdle(backend, NO_OWNER)).isIn(burst);
    }
    assertThat(dialed).hasSize(5);
    advanceMillis(2_000);
    assertThat(open()).isEqualTo(5); // all leased: nothing idle to trim
  }

  @Test
  void onlyConnectionsIdleForTheWholeGracePeriodAreTrimmedAndTheRestLater() {
    List<UpstreamConnection> early = leaseNew(3);
    List<UpstreamConnection> late = leaseNew(3);
    early.forEach(c -> c.release(true)); // 3 idle, the cap is 2: a trim is due at 1,000 ms
    advanceMillis(600);
    late.forEach(c -> c.release(true));

    advanceMillis(400);
    assertThat(early).noneMatch(c -> c.channel().isActive());
    assertThat(late).allMatch(c -> c.channel().isActive()); // idle 400 ms only: kept for now

    advanceMillis(1_000);
    assertThat(open()).isEqualTo(CAP);
    assertThat(late.get(0).channel().isActive()).isFalse(); // the least recently used of them
  }

  @Test
  void withinTheCapNothingIsClosedBeforeTheIdleTimeout() {
    leaseNew(CAP).forEach(c -> c.release(true));
    advanceMillis(10_000);
    assertThat(open()).isEqualTo(CAP);
  }

  private static final UpstreamOwner NO_OWNER = new UpstreamOwner() {
    @Override
    public void upstreamRead(UpstreamConnection connection, Object msg) {
      io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void upstreamReadComplete(UpstreamConnection connection) {
    }

    @Override
    public void upstreamWritabilityChanged(UpstreamConnection connection) {
    }

    @Override
    public void upstreamClosed(UpstreamConnection connection, Throwable cause) {
    }
  };
}
