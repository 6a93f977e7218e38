package dev.keel.registry.nacos;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.common.remote.client.Connection;
import com.alibaba.nacos.common.remote.client.ConnectionEventListener;
import com.alibaba.nacos.common.remote.client.RpcClient;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.internal.DaemonThreads;
import dev.keel.registry.internal.HealthTracker;
import java.lang.reflect.Field;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nacos-client's connection as the registry's reachability: its gRPC client tells when a connection
 * is made ({@link ConnectionEventListener}, the way nacos-client's own redo service learns it); a
 * lost one is seen by reading its state once a second ({@code RpcClient.isRunning()}, in memory),
 * because nacos-client announces the loss only once it has connected again elsewhere, which while
 * the server stays down is never.
 *
 * <p>The public {@link NamingService} API offers no such event: {@code getServerStatus()} falls back,
 * while the gRPC connection is down, to an HTTP request that nacos-client logs at ERROR with a
 * stack trace on every failure, so it cannot be polled. The gRPC client is reached by reflection
 * ({@code NacosNamingService.clientProxy.grpcClientProxy.rpcClient}, stable across nacos-client 2.x);
 * should a later nacos-client move it, that is logged once at DEBUG and reachability falls back to
 * what Keel's own reads see (a failed resolve or initial read is unreachable, a successful one reachable).
 */
final class NacosConnectionHealth {
  private static final Logger log = LoggerFactory.getLogger(NacosConnectionHealth.class);

  private NacosConnectionHealth() {}

  private static final ScheduledExecutorService POLL = Executors.newSingleThreadScheduledExecutor(
      new DaemonThreads("keel-nacos-health"));

  /**
   * Follows {@code naming}'s connection into {@code health} until the result is closed; null when its
   * gRPC client was not found.
   */
  static @Nullable AutoCloseable attach(NamingService naming, HealthTracker health, String serverAddr) {
    RpcClient rpc = rpcClient(naming);
    if (rpc == null) {
      return null;
    }
    rpc.registerConnectionListener(new ConnectionEventListener() {
      @Override
      public void onConnected(Connection connection) {
        health.reachable();
      }

      @Override
      public void onDisConnect(Connection connection) {
        health.unreachable("nacos-client lost its connection to " + serverAddr + "; it is reconnecting");
      }
    });
    // After registering, so that a connection made meanwhile is not missed either way.
    ScheduledFuture<?> poll = POLL.scheduleWithFixedDelay(() -> {
      if (rpc.isRunning()) {
        health.reachable();
      } else if (health.health().state() == RegistryHealth.State.CONNECTING) {
        health.unreachable("nacos-client has no connection to " + serverAddr
            + " (nothing listening, or not a Nacos 2.x server: its gRPC port is the HTTP port + 1000)");
      } else {
        health.unreachable("nacos-client lost its connection to " + serverAddr + "; it is reconnecting");
      }
    }, 0, 1, TimeUnit.SECONDS);
    return () -> poll.cancel(false);
  }

  private static @Nullable RpcClient rpcClient(NamingService naming) {
    try {
      Object delegate = field(naming, "clientProxy");
      Object grpc = delegate == null ? null : field(delegate, "grpcClientProxy");
      Object rpc = grpc == null ? null : field(grpc, "rpcClient");
      return rpc instanceof RpcClient ? (RpcClient) rpc : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("nacos-client's gRPC client not found ({}); reachability follows Keel's own reads", e.toString());
      return null;
    }
  }

  private static @Nullable Object field(Object owner, String name) throws ReflectiveOperationException {
    for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    return null;
  }
}
