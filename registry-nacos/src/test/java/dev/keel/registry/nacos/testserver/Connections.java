package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.shaded.io.grpc.Attributes;
import com.alibaba.nacos.shaded.io.grpc.Context;
import com.alibaba.nacos.shaded.io.grpc.Contexts;
import com.alibaba.nacos.shaded.io.grpc.Grpc;
import com.alibaba.nacos.shaded.io.grpc.Metadata;
import com.alibaba.nacos.shaded.io.grpc.ServerCall;
import com.alibaba.nacos.shaded.io.grpc.ServerCallHandler;
import com.alibaba.nacos.shaded.io.grpc.ServerInterceptor;
import com.alibaba.nacos.shaded.io.grpc.ServerTransportFilter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test server's connections. A Nacos 2.x client opens one HTTP/2 connection, checks the server
 * over it ({@code ServerCheckRequest}, whose response names the connection id), then opens the
 * bi-directional stream and sends {@code ConnectionSetupRequest} on it. The id is given when the
 * transport is ready (a {@link ServerTransportFilter}) and handed to every call on that transport
 * through the gRPC {@link Context} (a {@link ServerInterceptor}). When the transport or its stream
 * ends, what the connection registered goes, as in Nacos.
 */
final class Connections extends ServerTransportFilter implements ServerInterceptor {
  private static final Attributes.Key<String> ID_ATTR = Attributes.Key.create("keel-test-connection-id");
  static final Context.Key<String> ID = Context.key("keel-test-connection-id");

  private final AtomicLong counter = new AtomicLong();
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  final NamingStore store = new NamingStore();

  @Override
  public Attributes transportReady(Attributes attrs) {
    String id = System.currentTimeMillis() + "_" + counter.incrementAndGet() + "_" + attrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    live.add(id);
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
    return live.contains(id);
  }

  /** Forgets a connection and what it registered. */
  void forget(String id) {
    if (live.remove(id)) {
      store.removeConnection(id);
    }
  }

  /** Forgets every connection (the server is stopping). */
  void clear() {
    live.clear();
    store.clear();
  }
}
