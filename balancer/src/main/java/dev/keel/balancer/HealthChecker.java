package dev.keel.balancer;

import dev.keel.balancer.internal.HttpHealthChecker;
import dev.keel.balancer.internal.TcpHealthChecker;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * An active health check of one instance. The balancer calls it every {@link
 * BalancerConfig#healthInterval()} per endpoint and applies rise/fall to the answers. The proxy may
 * supply its own (for example a Netty-based) implementation.
 *
 * <p>{@link #check} is called on the balancer's serial executor: it must return at once and
 * complete the stage later, on any thread. It must complete within about {@code timeout}; a stage
 * completed with {@code false} or exceptionally counts as a failed check, and so does one still
 * pending after timeout + interval (its late answer is then ignored).
 */
@FunctionalInterface
public interface HealthChecker {
  CompletionStage<Boolean> check(ServiceInstance instance, Duration timeout);

  /** Passes when a TCP connection to host:port is established within the timeout (JDK sockets). */
  static HealthChecker tcp() {
    return TcpHealthChecker.INSTANCE;
  }

  /**
   * Passes when {@code GET http://host:port{path}} answers 2xx or 3xx within the timeout
   * ({@code java.net.http}).
   */
  static HealthChecker http(String path) {
    return new HttpHealthChecker(path);
  }
}
