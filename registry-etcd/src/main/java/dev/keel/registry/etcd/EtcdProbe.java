package dev.keel.registry.etcd;

import static dev.keel.registry.etcd.EtcdRegistryClient.await;
import static dev.keel.registry.etcd.EtcdRegistryClient.bytes;

import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.internal.HealthTracker;
import dev.keel.registry.internal.TcpProbe;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Tells the health tracker whether etcd answers, for a client that may have no watch or lease to
 * find out by: a one-key read of the client's prefix, every second while etcd is not reachable and
 * every {@value #REACHABLE_EVERY_SECONDS} s while it is. jetcd retries a call to an endpoint where
 * nothing listens until the caller's timeout, so each read is preceded, while not reachable, by a TCP
 * connect that tells "nothing listening" (refused) at once. Watches and the lease keeper report what
 * they see too, so a lost connection is usually known before the next probe.
 */
final class EtcdProbe implements AutoCloseable {
  private static final long REACHABLE_EVERY_SECONDS = 5;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

  private final Client client;
  private final EtcdConfig config;
  private final InstanceCodec codec;
  private final List<InetSocketAddress> addresses;
  private final HealthTracker health;
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  EtcdProbe(Client client, EtcdConfig config, InstanceCodec codec, List<InetSocketAddress> addresses,
      HealthTracker health, ThreadFactory threads) {
    this.client = client;
    this.config = config;
    this.codec = codec;
    this.addresses = List.copyOf(addresses);
    this.health = health;
    this.timer = Executors.newSingleThreadScheduledExecutor(threads);
  }

  void start() {
    timer.execute(this::probe);
  }

  private void probe() {
    if (closed) {
      return;
    }
    try {
      boolean wasReachable = health.health().reachable();
      String refused = wasReachable || addresses.isEmpty() ? null : TcpProbe.unreachable(addresses, CONNECT_TIMEOUT);
      if (refused != null) {
        health.unreachable("cannot connect to etcd: " + refused);
      } else {
        Duration wait = config.timeout().compareTo(Duration.ofSeconds(3)) < 0 ? config.timeout() : Duration.ofSeconds(3);
        await(client.getKVClient().get(bytes(codec.prefix() + "/"),
            GetOption.builder().isPrefix(true).withKeysOnly(true).withLimit(1).build()), config, wait, "read " + codec.prefix());
        health.reachable();
      }
    } catch (RegistryException e) {
      health.unreachable("read " + codec.prefix(), e);
    } finally {
      if (!closed) {
        long next = health.health().state() == RegistryHealth.State.REACHABLE ? REACHABLE_EVERY_SECONDS : 1;
        try {
          timer.schedule(this::probe, next, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closed meanwhile
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
