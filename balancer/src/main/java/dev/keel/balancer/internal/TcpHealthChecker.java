package dev.keel.balancer.internal;

import dev.keel.balancer.HealthChecker;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** TCP connect check with plain JDK sockets, run on the shared daemon pool (connect blocks). */
public final class TcpHealthChecker implements HealthChecker {
  public static final TcpHealthChecker INSTANCE = new TcpHealthChecker();

  private TcpHealthChecker() {}

  @Override
  public CompletionStage<Boolean> check(ServiceInstance instance, Duration timeout) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(instance.host(), instance.port()),
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        return true;
      } catch (IOException e) {
        return false;
      }
    }, Threads.SHARED);
  }
}
