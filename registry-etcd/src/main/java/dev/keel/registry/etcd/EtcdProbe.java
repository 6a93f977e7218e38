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
 * connect that tells "nothing listening" (refused) at once. One slow read of a server that still
 * accepts connections is forgiven (see {@link #onFailedRead}). Watches and the lease keeper report
 * what they see too, so a lost connection is usually known before the next probe.
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
  // Failed reads in a row while etcd still accepted connections; only the probe thread touches it.
  private int slowReads;

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
    boolean slow = false;
    try {
      boolean wasReachable = health.health().reachable();
      String refused = wasReachable || addresses.isEmpty() ? null : TcpProbe.unreachable(addresses, CONNECT_TIMEOUT);
      if (refused != null) {
        health.unreachable("cannot connect to etcd: " + refused);
      } else {
        Duration wait = config.timeout().compareTo(Duration.ofSeconds(3)) < 0 ? config.timeout() : Duration.ofSeconds(3);
        await(client.getKVClient().get(bytes(codec.prefix() + "/"),
            GetOption.builder().isPrefix(true).withKeysOnly(true).withLimit(1).build()), config, wait, "read " + codec.prefix());
        slowReads = 0;
        health.reachable();
      }
    } catch (RegistryException e) {
      slow = onFailedRead(e);
    } finally {
      if (!closed) {
        long next = slow || health.health().state() != RegistryHealth.State.REACHABLE ? 1 : REACHABLE_EVERY_SECONDS;
        try {
          timer.schedule(this::probe, next, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closed meanwhile
        }
      }
    }
  }

  /**
   * A read that failed while etcd was reachable. When something still accepts connections, the read
   * was slow (a busy server, a CPU-starved host, bcrypt under auth), not refused: one such read does
   * not make etcd unreachable — a second in a row, a second later, does. Refused or unreachable
   * addresses, and any failure while already unreachable, count at once.
   *
   * @return true when the failure was forgiven as slow (probe again soon)
   */
  private boolean onFailedRead(RegistryException e) {
    if (health.health().reachable() && slowReads == 0
        && (addresses.isEmpty() || TcpProbe.unreachable(addresses, CONNECT_TIMEOUT) == null)) {
      slowReads = 1;
      return true;
    }
    slowReads = 0;
    health.unreachable("read " + codec.prefix(), e);
    return false;
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
