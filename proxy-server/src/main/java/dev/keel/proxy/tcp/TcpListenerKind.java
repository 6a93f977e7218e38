package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionBalancer;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.ListenerEnvironment;
import dev.keel.proxy.listener.ListenerKind;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.listener.ServerBinding;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.tls.TlsMaterial;
import dev.keel.proxy.transport.Transport;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Subscription;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp} listener kind: an L4 relay whose connections are placed by weighted
 * least-connections and rebalanced by the balancer's {@link ConnectionBalancer} (policy {@code
 * least-connections}, the default), or placed by the listener's policy and never shed.
 *
 * <p>With {@code tls}, the listener terminates TLS and relays the plaintext; with
 * {@code upstream.tls}, it speaks TLS to instances. A client's TLS close ends the tunnel (TLS has
 * no half-close the relay could pass on as a FIN).
 *
 * <p>The relay is buffered (pooled direct buffers handed from one channel to the other, no copy on
 * the heap). Zero-copy splicing on epoll is opt-in with the system property
 * {@code keel.proxy.splice=true}: Netty 4.2's {@code spliceTo} shuts the input down as soon as it
 * sees the peer's FIN although more bytes than one splice call takes may still be queued in the
 * socket, so a peer that sends a burst and then closes (or half-closes) loses its tail. Until that
 * is fixed upstream, splicing is only safe for peers that go quiet before they close. Asking for
 * it makes the whole process run on epoll ({@link Transport#best}); with the transport forced to
 * io_uring or NIO it is off, and each tcp listener says so at start.
 */
public final class TcpListenerKind implements ListenerKind {
  /** How often the connection balancer is asked for connections to shed. */
  static final Duration SHED_PERIOD = Duration.ofMillis(100);
  private static final Logger log = LoggerFactory.getLogger(TcpListenerKind.class);

  @Override
  public String protocol() {
    return "tcp";
  }

  @Override
  public RunningListener start(ListenerConfig config, ListenerEnvironment env) {
    Transport transport = env.transport();
    ListenerTls tls = new ListenerTls(TlsMaterial.load(config.tls(), config.upstream().tls()));
    // Splicing moves bytes kernel to kernel: nothing to decrypt or encrypt on the way.
    boolean splice = transport == Transport.EPOLL && Transport.spliceRequested() && tls.material().isEmpty();
    if (Transport.spliceRequested() && transport != Transport.EPOLL) {
      log.warn("tcp listener '{}': -D{}=true has no effect: transport {} cannot splice (only epoll can)", config.name(),
          Transport.SPLICE_PROPERTY, transport);
    }
    ConnectionGate gate = new ConnectionGate(config.maxConnections(), env.fds());
    Bootstrap upstream = new Bootstrap()
        .channel(transport.socketChannel())
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, config.timeouts().connect().toMillis()));
    TcpRoute route = new TcpRoute(config, env.discovery(), env.plugins().classLoader(), upstream, splice, gate,
        tls); // opens the fixed services
    ChannelGroup clients = new DefaultChannelGroup(config.name(), GlobalEventExecutor.INSTANCE);
    ServerBootstrap server = new ServerBootstrap()
        .group(env.boss(), env.workers())
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!gate.admit(ch)) {
              ch.close();
              return;
            }
            route.stats.accepted.increment();
            clients.add(ch);
            Future<?> handshake = tls.addServerHandlers(ch.pipeline());
            ch.pipeline().addLast("relay", new RelayHandler(new TcpConnection(route, ch, handshake), true));
          }
        });
    ServerBinding bound;
    try {
      bound = ServerBinding.bind(server, config, transport);
    } catch (IllegalStateException e) {
      route.close();
      throw e;
    }
    return new TcpRunningListener(route, bound, clients);
  }
}
