package dev.keel.grpc.testing;

import dev.keel.grpc.ServerRegistration;
import dev.keel.registry.RegistryClient;
import io.grpc.Attributes;
import io.grpc.Server;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A real grpc-java server (grpc-netty, on 127.0.0.1) of {@link Echo} that answers with its name,
 * counts the calls it answered and the client connections it holds, and registers itself through
 * {@link ServerRegistration}. {@link #restart()} stops it gracefully (deregister first) and starts
 * it again on the same port, as a rolling restart does.
 */
public final class EchoServer implements AutoCloseable {
  private final String name;
  private final RegistryClient registry;
  private final String service;
  private final Map<String, String> metadata;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicReference<@Nullable Status> failWith = new AtomicReference<>();
  private final Duration drainDelay;
  private int port;
  private @Nullable ServerRegistration registration;
  private @Nullable Duration publishInterval;
  private double publishMinChange = 0.05;

  public EchoServer(String name, RegistryClient registry, String service, Map<String, String> metadata, Duration drainDelay) {
    this.name = name;
    this.registry = registry;
    this.service = service;
    this.metadata = metadata;
    this.drainDelay = drainDelay;
  }

  /**
   * Publishes its connection count at most every {@code interval}, for changes of at least {@code
   * minChange} (or one); without this call, ServerRegistration's defaults (2 s, 5 %).
   */
  public synchronized EchoServer publishing(Duration interval, double minChange) {
    this.publishInterval = interval;
    this.publishMinChange = minChange;
    return this;
  }

  /** Starts (on a free port the first time, the same port afterwards) and registers. */
  public synchronized EchoServer start() {
    NettyServerBuilder server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(Echo.service(request -> {
          Status fail = failWith.get();
          if (fail != null) {
            throw fail.asRuntimeException();
          }
          calls.incrementAndGet();
          return name;
        }))
        .addTransportFilter(new ServerTransportFilter() {
          @Override
          public Attributes transportReady(Attributes attrs) {
            connections.incrementAndGet();
            accepted.incrementAndGet();
            return attrs;
          }

          @Override
          public void transportTerminated(Attributes attrs) {
            connections.decrementAndGet();
          }
        });
    ServerRegistration.Builder b = ServerRegistration.builder(registry, service).id(name).metadata(metadata)
        .drainDelay(drainDelay).publishMinChange(publishMinChange);
    if (publishInterval != null) {
      b.publishInterval(publishInterval);
    }
    ServerRegistration r = b.build();
    Server started;
    try {
      started = r.start(server); // adds the filter that counts and publishes the connections
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    port = started.getPort();
    registration = r;
    return this;
  }

  /** Deregisters, waits for watchers, then stops gracefully. */
  public synchronized void stop() throws InterruptedException {
    ServerRegistration r = registration;
    registration = null;
    if (r != null) {
      r.stop(Duration.ofSeconds(10));
    }
  }

  public void restart() throws InterruptedException {
    stop();
    start();
  }

  /** From now on every call fails with {@code status} (null: answer again). */
  public void failWith(@Nullable Status status) {
    failWith.set(status);
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  /** Calls answered successfully. */
  public long calls() {
    return calls.get();
  }

  public void resetCalls() {
    calls.set(0);
  }

  /** Client connections accepted since it was made, restarts included: each move makes one. */
  public long accepted() {
    return accepted.get();
  }

  /** Client connections open now (HTTP/2 transports ready and not terminated). */
  public int connections() {
    return connections.get();
  }

  /** {@link #stop}; an interrupt while waiting ends the wait and stays set on the thread. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + "@" + port;
  }
}
