package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private final AtomicLong now = new AtomicLong(5_000_000_000L);

  private boolean withdrawAll(RetryBudget b, int n) {
    boolean all = true;
    for (int i = 0; i < n; i++) {
      all &= b.tryWithdraw();
    }
    return all;
  }

  @Test
  void allowsTheReserveWithoutAnyRequest() {
    RetryBudget b = RetryBudget.of(0.2, 10, Duration.ofSeconds(10), now::get);

    assertThat(withdrawAll(b, 100)).isTrue();
    assertThat(b.tryWithdraw()).isFalse();
  }

  @Test
  void allowsTwentyPercentOfRequestsOnTopOfTheReserve() {
    RetryBudget b = RetryBudget.of(0.2, 0, Duration.ofSeconds(10), now::get);
    for (int i = 0; i < 1000; i++) {
      b.deposit();
    }

    assertThat(b.balance()).isEqualTo(200.0);
    assertThat(withdrawAll(b, 200)).isTrue();
    assertThat(b.tryWithdraw()).isFalse();
  }

  @Test
  void forgetsWhatLeftTheWindow() {
    RetryBudget b = RetryBudget.of(0.5, 0, Duration.ofSeconds(10), now::get);
    for (int i = 0; i < 10; i++) {
      b.deposit();
    }
    assertThat(withdrawAll(b, 5)).isTrue();
    assertThat(b.tryWithdraw()).isFalse();

    now.addAndGet(Duration.ofSeconds(11).toNanos());

    assertThat(b.balance()).isZero(); // deposits expired with the withdrawals
    for (int i = 0; i < 4; i++) {
      b.deposit();
    }
    assertThat(withdrawAll(b, 2)).isTrue();
    assertThat(b.tryWithdraw()).isFalse();
  }

  @Test
  void aLongIdleGapClearsEverySlot() {
    RetryBudget b = RetryBudget.of(0.0, 1, Duration.ofSeconds(10), now::get);
    assertThat(withdrawAll(b, 10)).isTrue();
    assertThat(b.tryWithdraw()).isFalse();

    now.addAndGet(Duration.ofHours(5).toNanos());

    assertThat(withdrawAll(b, 10)).isTrue();
  }

  @Test
  void rejectsBadArgumentsNamingThem() {
    assertThatThrownBy(() -> RetryBudget.of(1.5, 1, Duration.ofSeconds(10), now::get))
        .hasMessage("percent: 1.5 (expected: 0.0..1.0)");
    assertThatThrownBy(() -> RetryBudget.of(0.2, -1, Duration.ofSeconds(10), now::get))
        .hasMessage("minRetriesPerSecond: -1.0 (expected: >= 0.0, finite)");
    assertThatThrownBy(() -> RetryBudget.of(0.2, 1, Duration.ofMillis(10), now::get))
        .hasMessage("ttl: 10ms (expected: 1s..60s)");
  }
}
