package dev.keel.grpc.testing;

import dev.keel.grpc.KeelGrpc;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client process of a fleet, started by {@code FleetProcessesIntegrationTest} as a separate JVM: {@code
 * clients} one-connection {@code keel_connection} channels, each with its own registry client
 * (its own ZooKeeper session), calling {@link Echo} in turn on one thread until told to stop.
 *
 * <p>Protocol, one line each on stdout: {@code ready} once every channel is READY, then, after
 * {@code stop} on stdin (or stdin closing), {@code answered=N failed=M}. It exits by itself after
 * {@code maxSeconds} whatever happens (exit code 2), so a test that dies leaves nothing running.
 *
 * <p>Arguments: {@code registryUri service clients maxSeconds}.
 */
public final class FleetClientProcess {
  /** Test timings: a 1 s settle and 4 s rounds instead of 5 s and 5 s, to keep the fleet tests short. */
  private static final Map<String, ?> CONFIG = Map.of("rebalanceSettle", "1s", "rebalanceRound", "4s", "rebalanceInterval", "250ms");

  private FleetClientProcess() {
  }

  public static void main(String[] args) throws Exception {
    String registryUri = args[0];
    String service = args[1];
    int clients = Integer.parseInt(args[2]);
    long maxSeconds = Long.parseLong(args[3]);
    Thread deadline = new Thread(() -> {
      try {
        TimeUnit.SECONDS.sleep(maxSeconds); // the process's lifetime bound, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
      System.exit(2);
    }, "fleet-client-deadline");
    deadline.setDaemon(true);
    deadline.start();

    List<RegistryClient> registries = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      RegistryClient own = Registries.open(registryUri);
      registries.add(own);
      channels.add(oneConnectionChannel(own, service));
    }
    awaitReady(channels, Duration.ofSeconds(maxSeconds));
    System.out.println("ready");
    System.out.flush();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong answered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Thread load = new Thread(() -> {
      for (int i = 0; running.get(); i = (i + 1) % clients) {
        try {
          Echo.who(channels.get(i));
          answered.incrementAndGet();
        } catch (RuntimeException e) {
          if (running.get()) {
            failed.incrementAndGet();
          }
        }
      }
    }, "fleet-client-load");
    load.start();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("stop"); line = in.readLine()) {
      // only "stop" (or the end of stdin) means anything
    }
    running.set(false);
    load.join(TimeUnit.SECONDS.toMillis(10));
    System.out.println("answered=" + answered.get() + " failed=" + failed.get());
    System.out.flush();
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    for (RegistryClient r : registries) {
      r.close();
    }
    System.exit(0);
  }

  /**
   * A {@code keel_connection} channel of its own over {@code registry} (the fleet tests' timings,
   * retries off, so that a move that failed an RPC shows), asked to connect.
   */
  public static ManagedChannel oneConnectionChannel(RegistryClient registry, String service) {
    ManagedChannel c = KeelGrpc.channelBuilder(registry, service, InsecureChannelCredentials.create())
        .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.CONNECTION_POLICY, CONFIG))
        .disableRetry()
        .build();
    c.getState(true);
    return c;
  }

  /** Waits on each channel's state changes (grpc-java's callback), bounded by {@code atMost} in all. */
  private static void awaitReady(List<ManagedChannel> channels, Duration atMost) throws InterruptedException {
    long until = System.nanoTime() + atMost.toNanos();
    for (ManagedChannel c : channels) {
      for (ConnectivityState s = c.getState(true); s != ConnectivityState.READY; s = c.getState(true)) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("channels not READY within " + atMost);
        }
        CountDownLatch changed = new CountDownLatch(1);
        c.notifyWhenStateChanged(s, changed::countDown);
        changed.await(1, TimeUnit.SECONDS);
      }
    }
  }
}
