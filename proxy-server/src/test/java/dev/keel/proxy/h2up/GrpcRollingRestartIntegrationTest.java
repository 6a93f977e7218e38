package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.GrpcTestInstance;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's gRPC rolling restart: 4 real grpc-java instances behind an h2c upstream, unary calls
 * from 50 grpc-java channels through the proxy. Each instance in turn leaves discovery, stops
 * gracefully (grpc-java's two-step GOAWAY; the calls it took finish), comes back on its port and
 * registers again. Not one call fails, and once all are back the instances' shares of the calls
 * are within 10 % of even.
 */
class GrpcRollingRestartIntegrationTest {
  private static final int INSTANCES = 4;
  private static final int CHANNELS = 50;
  private static final MethodDescriptor<byte[], byte[]> UNARY =
      GrpcTestInstance.method("Unary", MethodDescriptor.MethodType.UNARY);

  @Test
  void aRollingRestartUnder50ChannelsFailsNoCallAndEndsWithEvenShares() throws Exception {
    String uri = "memory://grpc-rolling-" + UUID.randomUUID();
    List<GrpcTestInstance> instances = new ArrayList<>();
    List<Registration> registrations = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(CHANNELS);
    try (RegistryClient registry = Registries.open(uri)) {
      for (int i = 0; i < INSTANCES; i++) {
        GrpcTestInstance s = new GrpcTestInstance();
        instances.add(s);
        registrations.add(register(registry, s));
      }
      // no slow start: the shares are judged once all are back, not during the ramp (the balancer's own tests cover it)
      try (ProxyFixture proxy = ProxyFixture.of(uri, "    upstream: { protocol: h2c }\n    health: { slow-start: 0s }\n")) {
        RunningListener listener = proxy.server.listeners().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> java.util.Objects.requireNonNull(listener.picker(), "one service").backends().size() == INSTANCES);
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> runs = new ArrayList<>();
        for (int c = 0; c < CHANNELS; c++) {
          ManagedChannel ch = NettyChannelBuilder.forAddress(proxy.address()).usePlaintext().build();
          channels.add(ch);
          int client = c;
          runs.add(clients.submit(() -> load(ch, client, running, failures)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> instances.stream().allMatch(s -> s.calls.get() > 20));

        for (int i = 0; i < INSTANCES; i++) {
          GrpcTestInstance s = instances.get(i);
          registrations.get(i).close();
          await().atMost(Duration.ofSeconds(10)).until(() -> !member(listener, s));
          s.stop();
          s.restart();
          int before = s.calls.get();
          registrations.set(i, register(registry, s));
          await().atMost(Duration.ofSeconds(10)).until(() -> s.calls.get() > before + 20);
        }

        // the shares once every instance is back: counted over the next 2000 calls
        int[] start = instances.stream().mapToInt(s -> s.calls.get()).toArray();
        await().atMost(Duration.ofSeconds(60))
            .until(() -> instances.stream().mapToInt(s -> s.calls.get()).sum() - sum(start) >= 2000);
        int[] end = instances.stream().mapToInt(s -> s.calls.get()).toArray();
        running.set(false);
        for (Future<?> f : runs) {
          f.get(60, TimeUnit.SECONDS);
        }
        assertThat(failures).as("failed calls").isEmpty();
        int total = sum(end) - sum(start);
        for (int i = 0; i < INSTANCES; i++) {
          double share = (double) (end[i] - start[i]) / total;
          assertThat(share).as("instance %d's share of %d calls", i, total).isBetween(0.25 * 0.9, 0.25 * 1.1);
        }
      }
    } finally {
      clients.shutdownNow();
      for (ManagedChannel ch : channels) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (GrpcTestInstance s : instances) {
        s.close();
      }
    }
  }

  private static int sum(int[] counts) {
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    return n;
  }

  private static Registration register(RegistryClient registry, GrpcTestInstance s) {
    return registry.register(ServiceInstance.builder().service("demo").id("grpc-" + s.port())
        .host("127.0.0.1").port(s.port()).build());
  }

  private static boolean member(RunningListener listener, GrpcTestInstance s) {
    return java.util.Objects.requireNonNull(listener.picker(), "one service").backends().stream().anyMatch(b -> b.port() == s.port());
  }

  private static void load(ManagedChannel ch, int client, AtomicBoolean running, ConcurrentLinkedQueue<String> failures) {
    for (int i = 0; running.get(); i++) {
      byte[] m = ("c" + client + "-" + i).getBytes(StandardCharsets.UTF_8);
      try {
        byte[] got = ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), m);
        if (!new String(got, StandardCharsets.UTF_8).equals(new String(m, StandardCharsets.UTF_8))) {
          failures.add("call " + client + "/" + i + ": wrong answer");
        }
      } catch (StatusRuntimeException e) {
        failures.add("call " + client + "/" + i + ": " + e.getStatus());
      }
    }
  }
}
