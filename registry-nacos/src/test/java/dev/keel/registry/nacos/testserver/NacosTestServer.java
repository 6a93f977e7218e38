package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.common.remote.PayloadRegistry;
import com.alibaba.nacos.shaded.io.grpc.Server;
import com.alibaba.nacos.shaded.io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import com.alibaba.nacos.shaded.io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A Nacos naming <em>protocol emulator for tests</em>; not a Nacos server. The real Nacos
 * ({@code fixture/NacosServer}) is the reference for everything; this stays for the one thing the
 * open-source server cannot do at all: check access-key request signatures (an Alibaba Cloud
 * feature, which nacos-client implements and the open-source server ignores).
 *
 * <p>It speaks, on loopback, the gRPC protocol nacos-client 2.x uses (gRPC port = HTTP port + 1000):
 * the server check, the bi-directional stream with its setup request, health checks, single and batch
 * registration of ephemeral instances, deregistration and instance queries, with namespaces, groups
 * and clusters; a connection's instances go when it closes. What it answers agrees with Nacos 2.5.1:
 * a disabled instance is handed to no client, an unhealthy one is handed over as such. Each request is
 * checked against the access keys it was built with ({@link Auth}). Nothing listens on the HTTP port.
 *
 * <p>Not emulated, because no test needs it any more (the real server serves those tests):
 * subscriptions and pushes, service lists, user-name login, persistent instances, health checking,
 * parameter checks, restarts, and everything else of Nacos. The gRPC server classes are the ones
 * shaded inside nacos-client.
 */
public final class NacosTestServer implements AutoCloseable {
  private final int httpPort;
  private final Server grpc;
  private final Connections connections;

  private NacosTestServer(int httpPort, Server grpc, Connections connections) {
    this.httpPort = httpPort;
    this.grpc = grpc;
    this.connections = connections;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The port clients are given; gRPC listens on this + 1000. */
  public int httpPort() {
    return httpPort;
  }

  /** {@code 127.0.0.1:httpPort}, as nacos-client's {@code serverAddr}. */
  public String address() {
    return "127.0.0.1:" + httpPort;
  }

  @Override
  public void close() {
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connections.clear();
  }

  /** Builds a {@link NacosTestServer}. */
  public static final class Builder {
    private final Map<String, String> keys = new LinkedHashMap<>();

    private Builder() {}

    /** Requires signed requests; this key pair is accepted. */
    public Builder accessKey(String accessKey, String secretKey) {
      keys.put(accessKey, secretKey);
      return this;
    }

    /** Starts on a free loopback port P + 1000, for clients given P. */
    public NacosTestServer start() {
      PayloadRegistry.init();
      @Nullable IOException last = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          port = probe.getLocalPort();
        } catch (IOException e) {
          last = e;
          continue;
        }
        if (port + 1000 > 65_535) {
          continue;
        }
        Connections c = new Connections();
        try {
          Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port + 1000))
              .withOption(ChannelOption.SO_REUSEADDR, true)
              .addTransportFilter(c).intercept(c)
              .addService(new RequestService(c, new Auth(keys))).addService(new StreamService(c))
              .permitKeepAliveTime(1, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
              .build().start();
          return new NacosTestServer(port, grpc, c);
        } catch (IOException e) {
          last = e;
        }
      }
      throw new UncheckedIOException("nacos test server: no free port", last);
    }
  }
}
