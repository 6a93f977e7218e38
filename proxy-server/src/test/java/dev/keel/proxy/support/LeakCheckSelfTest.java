package dev.keel.proxy.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakCheckSelfTest {
  @Test
  void aDroppedBufferIsReported() throws Exception {
    leak();
    for (int i = 0; i < 20 && LeakCheck.LEAKS.isEmpty(); i++) {
      System.gc();
      Thread.sleep(20);
      PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
    }
    assertThat(LeakCheck.LEAKS).isNotEmpty();
    LeakCheck.LEAKS.clear();
  }

  private static void leak() {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
    b.writeLong(1);
  }
}
