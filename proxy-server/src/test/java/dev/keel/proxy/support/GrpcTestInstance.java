package dev.keel.proxy.support;

import dev.keel.testsupport.RestartablePort;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A real grpc-java server (grpc-netty, h2c) as an instance behind the proxy, with raw-bytes methods
 * of service {@code test.Echo}: {@code Unary} echoes; {@code Fail} answers NOT_FOUND "no such
 * thing"; {@code Count} streams "0".."n-1" for a request "n"; {@code Collect} (client streaming)
 * answers the messages it got joined by commas; {@code Chat} (bidirectional) echoes each message as
 * it comes; {@code Hang} never answers, counting down {@link #hung} when it arrives and
 * {@link #cancelled} when the call is cancelled (the client's RST_STREAM reached the server);
 * {@code Trickle} streams "0", "1", "2" and then nothing more, counting down {@link #trickled}.
 * Every call counts in {@link #calls}, and in {@link #withoutTeTrailers} when its HEADERS lacked {@code te: trailers}. {@link #restart} brings it back on the same port.
 */
public final class GrpcTestInstance implements AutoCloseable {
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  public final AtomicInteger calls = new AtomicInteger();
  /**
   * Calls, to any instance, whose HEADERS lacked {@code te: trailers}: gRPC requires it and some
   * servers refuse a call without it. grpc-java serves such a call and logs a warning, which is
   * counted here (the field itself never reaches its Metadata).
   */
  public static final AtomicInteger withoutTeTrailers = new AtomicInteger();
  private static final Logger SERVER_HANDLER_LOG = Logger.getLogger("io.grpc.netty.NettyServerHandler"); // held: JUL keeps loggers weakly

  static {
    SERVER_HANDLER_LOG.addHandler(new Handler() {
      @Override
      public void publish(LogRecord r) {
        String m = r.getMessage();
        if (m != null && m.startsWith("Expected header TE: trailers")) {
          withoutTeTrailers.incrementAndGet();
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
  }
  public final CountDownLatch hung = new CountDownLatch(1);
  public final CountDownLatch cancelled = new CountDownLatch(1);
  public final CountDownLatch trickled = new CountDownLatch(1);
  private final int port;
  private Server server;

  public GrpcTestInstance() throws IOException {
    server = start(RestartablePort.next()); // below the ephemeral range: the port stays free while it is stopped
    port = server.getPort();
  }

  /** The method {@code test.Echo/name} of {@code type}, on raw bytes. */
  public static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName("test.Echo/" + name)
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  private Server start(int onPort) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
        .addMethod(method("Unary", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((req, out) -> {
          calls.incrementAndGet();
          out.onNext(req);
          out.onCompleted();
        }))
        .addMethod(method("Fail", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((req, out) -> {
          calls.incrementAndGet();
          out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException());
        }))
        .addMethod(method("Count", MethodDescriptor.MethodType.SERVER_STREAMING),
            ServerCalls.asyncServerStreamingCall((req, out) -> {
              calls.incrementAndGet();
              int n = Integer.parseInt(new String(req, StandardCharsets.UTF_8));
              for (int i = 0; i < n; i++) {
                out.onNext(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
              }
              out.onCompleted();
            }))
        .addMethod(method("Collect", MethodDescriptor.MethodType.CLIENT_STREAMING),
            ServerCalls.asyncClientStreamingCall(out -> {
              calls.incrementAndGet();
              StringBuilder all = new StringBuilder();
              return new Observer(m -> all.append(all.length() == 0 ? "" : ",").append(new String(m, StandardCharsets.UTF_8)),
                  () -> {
                    out.onNext(all.toString().getBytes(StandardCharsets.UTF_8));
                    out.onCompleted();
                  });
            }))
        .addMethod(method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING),
            ServerCalls.asyncBidiStreamingCall(out -> {
              calls.incrementAndGet();
              return new Observer(out::onNext, out::onCompleted);
            }))
        .addMethod(method("Hang", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((req, out) -> {
          calls.incrementAndGet();
          Context.current().addListener(c -> cancelled.countDown(), Runnable::run);
          hung.countDown();
        }))
        .addMethod(method("Trickle", MethodDescriptor.MethodType.SERVER_STREAMING),
            ServerCalls.asyncServerStreamingCall((req, out) -> {
              calls.incrementAndGet();
              for (int i = 0; i < 3; i++) {
                out.onNext(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
              }
              trickled.countDown();
            }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", onPort))
        .maxInboundMessageSize(8 * 1024 * 1024)
        .addService(service).build().start();
  }

  /** A client-side observer of messages: each one to {@code onMessage}, the end to {@code onEnd}. */
  private record Observer(java.util.function.Consumer<byte[]> onMessage, Runnable onEnd) implements StreamObserver<byte[]> {
    @Override
    public void onNext(byte[] value) {
      onMessage.accept(value);
    }

    @Override
    public void onError(Throwable t) {
      // the call was cancelled or broke: nothing to answer
    }

    @Override
    public void onCompleted() {
      onEnd.run();
    }
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Killed: every connection cut at once, calls in flight included. */
  public void kill() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A graceful stop: GOAWAY (grpc-java's two steps), the calls it took finish, then it closes. */
  public void stop() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Back on the same port after {@link #stop} or {@link #kill}. */
  public void restart() {
    server = RestartablePort.rebind(() -> start(port));
  }

  @Override
  public void close() {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing anyway; whoever waits on this thread sees it
    }
  }
}
