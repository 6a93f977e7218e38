package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.grpc.auto.Payload;
import com.alibaba.nacos.api.naming.pojo.ServiceInfo;
import com.alibaba.nacos.api.naming.remote.request.NotifySubscriberRequest;
import com.alibaba.nacos.common.remote.client.grpc.GrpcUtils;
import com.alibaba.nacos.shaded.io.grpc.Attributes;
import com.alibaba.nacos.shaded.io.grpc.Context;
import com.alibaba.nacos.shaded.io.grpc.Contexts;
import com.alibaba.nacos.shaded.io.grpc.Grpc;
import com.alibaba.nacos.shaded.io.grpc.Metadata;
import com.alibaba.nacos.shaded.io.grpc.ServerCall;
import com.alibaba.nacos.shaded.io.grpc.ServerCallHandler;
import com.alibaba.nacos.shaded.io.grpc.ServerInterceptor;
import com.alibaba.nacos.shaded.io.grpc.ServerTransportFilter;
import com.alibaba.nacos.shaded.io.grpc.Status;
import com.alibaba.nacos.shaded.io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test server's connections. A Nacos 2.x client opens one HTTP/2 connection, checks the server
 * over it ({@code ServerCheckRequest}, whose response names the connection id), then opens the
 * bi-directional stream and sends {@code ConnectionSetupRequest} on it. The id is given when the
 * transport is ready (a {@link ServerTransportFilter}) and handed to every call on that transport
 * through the gRPC {@link Context} (a {@link ServerInterceptor}). When the transport or its stream
 * ends, or the test drops the connection, everything the connection registered or subscribed goes.
 */
final class Connections extends ServerTransportFilter implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(Connections.class);
  private static final Attributes.Key<String> ID_ATTR = Attributes.Key.create("keel-test-connection-id");
  static final Context.Key<String> ID = Context.key("keel-test-connection-id");

  private final AtomicLong counter = new AtomicLong();
  private final AtomicLong pushIds = new AtomicLong();
  private final Map<String, Conn> live = new ConcurrentHashMap<>();
  private final ExecutorService pushes = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nacos-test-server-push");
    t.setDaemon(true);
    return t;
  });
  final NamingStore store = new NamingStore(this::push);

  private static final class Conn {
    volatile @Nullable StreamObserver<Payload> stream;
  }

  @Override
  public Attributes transportReady(Attributes attrs) {
    String id = System.currentTimeMillis() + "_" + counter.incrementAndGet() + "_" + attrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    live.put(id, new Conn());
    return attrs.toBuilder().set(ID_ATTR, id).build();
  }

  @Override
  public void transportTerminated(Attributes attrs) {
    String id = attrs.get(ID_ATTR);
    if (id != null) {
      forget(id);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String id = call.getAttributes().get(ID_ATTR);
    return Contexts.interceptCall(Context.current().withValue(ID, id == null ? "" : id), call, headers, next);
  }

  boolean isLive(String id) {
    return live.containsKey(id);
  }

  /** Binds the stream the server pushes to a connection (on {@code ConnectionSetupRequest}). */
  void attach(String id, StreamObserver<Payload> stream) {
    Conn c = live.get(id);
    if (c != null) {
      c.stream = stream;
    }
  }

  /** Forgets a connection and what it registered and subscribed. */
  void forget(String id) {
    if (live.remove(id) != null) {
      store.removeConnection(id);
    }
  }

  /** Drops a connection as a server does when it sheds it: state gone, stream failed. */
  void drop(String id) {
    Conn c = live.get(id);
    forget(id);
    StreamObserver<Payload> s = c == null ? null : c.stream;
    if (s != null) {
      pushes.execute(() -> {
        try {
          s.onError(Status.UNAVAILABLE.withDescription("connection dropped by the test server").asRuntimeException());
        } catch (RuntimeException e) {
          log.debug("dropping {}: {}", id, e.toString());
        }
      });
    }
  }

  Set<String> ids() {
    return Set.copyOf(live.keySet());
  }

  /** Forgets every connection (the server is stopping). */
  void clear() {
    live.clear();
    store.clear();
  }

  /** Enqueues a push; pushes go out one at a time, in the order they were made. */
  private void push(String id, ServiceInfo info) {
    pushes.execute(() -> {
      Conn c = live.get(id);
      StreamObserver<Payload> s = c == null ? null : c.stream;
      if (s == null) {
        return;
      }
      NotifySubscriberRequest request = NotifySubscriberRequest.buildNotifySubscriberRequest(info);
      request.setRequestId(Long.toString(pushIds.incrementAndGet()));
      try {
        s.onNext(GrpcUtils.convert(request));
      } catch (RuntimeException e) {
        log.debug("push to {} failed: {}", id, e.toString());
      }
    });
  }

  void shutdown() {
    pushes.shutdownNow();
  }
}
