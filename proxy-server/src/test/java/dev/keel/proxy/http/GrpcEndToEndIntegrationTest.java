package dev.keel.proxy.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.support.GrpcTestInstance;
import dev.keel.proxy.support.ProxyFixture;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real grpc-java client (HTTP/2 with prior knowledge) through an http listener to a real grpc-java
 * server as the instance ({@code upstream.protocol: h2c}): calls, streams in every direction,
 * trailers, 4 MiB messages, the gRPC-shaped errors the proxy makes itself, cancellation reaching the
 * server, an instance killed mid-stream.
 */
class GrpcEndToEndIntegrationTest {
  private static final String H2C = "    upstream: { protocol: h2c }\n";
  private static GrpcTestInstance instance;
  private static ProxyFixture proxy;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    instance = new GrpcTestInstance();
    proxy = ProxyFixture.of("static://" + instance.address(), H2C + "    timeouts: { request: 2s }\n");
    channel = channel(proxy.address());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    proxy.close();
    instance.close();
  }

  private static ManagedChannel channel(InetSocketAddress address) {
    return NettyChannelBuilder.forAddress(address).usePlaintext().maxInboundMessageSize(8 * 1024 * 1024).build();
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return GrpcTestInstance.method(name, type);
  }

  private static byte[] unary(ManagedChannel ch, String name, byte[] request, CallOptions options) {
    return ClientCalls.blockingUnaryCall(ch, method(name, MethodDescriptor.MethodType.UNARY), options, request);
  }

  private static CallOptions withDeadline(long seconds) {
    return CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  @Test
  void aUnaryCallAndItsOkTrailersCrossTheProxy() {
    assertThat(new String(unary(channel, "Unary", "hello".getBytes(UTF_8), withDeadline(10)), UTF_8)).isEqualTo("hello");
  }

  @Test
  void theClientsTeTrailersReachesTheInstance() throws Exception {
    // gRPC requires "te: trailers" on every call; te is hop-by-hop, but HTTP/2 allows this one value
    // (RFC 9113 §8.2.2) and the proxy speaks HTTP/2 to the instance, so it must pass it on.
    // grpc-java notes a missing one once per connection: a fresh instance behind a fresh proxy
    try (GrpcTestInstance fresh = new GrpcTestInstance();
        ProxyFixture p = ProxyFixture.of("static://" + fresh.address(), H2C)) {
      ManagedChannel ch = channel(p.address());
      try {
        int before = GrpcTestInstance.withoutTeTrailers.get();
        unary(ch, "Unary", "te".getBytes(UTF_8), withDeadline(10));
        assertThat(fresh.calls.get()).isEqualTo(1);
        assertThat(GrpcTestInstance.withoutTeTrailers.get() - before).isZero();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theInstancesStatusAndMessageReachTheClientFromItsTrailers() {
    assertThatThrownBy(() -> unary(channel, "Fail", new byte[0], withDeadline(10)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
        });
  }

  @Test
  void aServerStreamDeliversEveryMessageThenItsStatus() {
    List<String> got = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, method("Count", MethodDescriptor.MethodType.SERVER_STREAMING),
        withDeadline(10), "200".getBytes(UTF_8)).forEachRemaining(m -> got.add(new String(m, UTF_8)));
    assertThat(got).hasSize(200).startsWith("0", "1").endsWith("199");
  }

  /** A started call that records what it receives, asking for one message after another. */
  private static final class Recorder extends ClientCall.Listener<byte[]> {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    final ClientCall<byte[], byte[]> call;

    Recorder(ManagedChannel ch, String name, MethodDescriptor.MethodType type, long deadlineSeconds) {
      call = ch.newCall(method(name, type), withDeadline(deadlineSeconds));
      call.start(this, new Metadata());
      call.request(1);
    }

    @Override
    public void onMessage(byte[] message) {
      messages.add(new String(message, UTF_8));
      call.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }

    Status.Code code() throws Exception {
      return closed.get(10, TimeUnit.SECONDS).getCode();
    }
  }

  @Test
  void aClientStreamReachesTheInstanceWholeAndInOrder() throws Exception {
    Recorder r = new Recorder(channel, "Collect", MethodDescriptor.MethodType.CLIENT_STREAMING, 10);
    StringBuilder sent = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      r.call.sendMessage(("m" + i).getBytes(UTF_8));
      sent.append(i == 0 ? "" : ",").append('m').append(i);
    }
    r.call.halfClose();
    assertThat(r.code()).isEqualTo(Status.Code.OK);
    // the instance answers what it got, joined: 50 messages, in order
    assertThat(r.messages).containsExactly(sent.toString());
  }

  @Test
  void aBidirectionalStreamGetsEachAnswerBeforeItSendsTheNextMessage() throws Exception {
    Recorder r = new Recorder(channel, "Chat", MethodDescriptor.MethodType.BIDI_STREAMING, 20);
    for (int i = 0; i < 5; i++) {
      r.call.sendMessage(("ping " + i).getBytes(UTF_8));
      // the request is still open: the answer can only come if both directions flow at once
      assertThat(r.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("ping " + i);
    }
    r.call.halfClose();
    assertThat(r.code()).isEqualTo(Status.Code.OK);
  }

  @Test
  void fourMebibyteMessagesCrossBothWays() {
    byte[] big = new byte[4 * 1024 * 1024];
    Arrays.fill(big, (byte) 'k');
    big[big.length - 1] = 'z';
    assertThat(unary(channel, "Unary", big, withDeadline(30))).isEqualTo(big);
  }

  @Test
  void aCallNoInstanceCanTakeIsUnavailableFromTheProxy() throws Exception {
    try (ProxyFixture empty = ProxyFixture.of("memory://grpc-empty-" + System.nanoTime(), "")) {
      ManagedChannel ch = channel(empty.address());
      try {
        assertThatThrownBy(() -> unary(ch, "Unary", "x".getBytes(UTF_8), withDeadline(10)))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("keel-proxy: no instance available");
            });
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theProxysRequestTimeoutEndsACallWithDeadlineExceededBeforeTheClientsOwnDeadline() {
    // the client allows 60 s; the listener's request timeout (2 s) is the shorter, so the proxy answers
    assertThatThrownBy(() -> unary(channel, "Hang", "x".getBytes(UTF_8), withDeadline(60)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).startsWith("keel-proxy:");
        });
  }

  @Test
  void aCancelledCallIsCancelledAtTheInstance() throws Exception {
    try (GrpcTestInstance own = new GrpcTestInstance();
        ProxyFixture p = ProxyFixture.of("static://" + own.address(), H2C)) {
      ManagedChannel ch = channel(p.address());
      try {
        Recorder r = new Recorder(ch, "Hang", MethodDescriptor.MethodType.UNARY, 60);
        r.call.sendMessage("x".getBytes(UTF_8));
        r.call.halfClose();
        assertThat(own.hung.await(10, TimeUnit.SECONDS)).as("the call reached the instance").isTrue();
        r.call.cancel("the user gave up", null);
        assertThat(r.code()).isEqualTo(Status.Code.CANCELLED);
        assertThat(own.cancelled.await(10, TimeUnit.SECONDS)).as("the cancellation reached the instance").isTrue();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anInstanceKilledMidStreamEndsTheCallUnavailableAfterWhatItSent() throws Exception {
    try (GrpcTestInstance own = new GrpcTestInstance();
        ProxyFixture p = ProxyFixture.of("static://" + own.address(), H2C)) {
      ManagedChannel ch = channel(p.address());
      try {
        Recorder r = new Recorder(ch, "Trickle", MethodDescriptor.MethodType.SERVER_STREAMING, 30);
        r.call.sendMessage(new byte[0]);
        r.call.halfClose();
        for (int i = 0; i < 3; i++) {
          assertThat(r.messages.poll(10, TimeUnit.SECONDS)).isEqualTo(Integer.toString(i));
        }
        own.kill();
        Status status = r.closed.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).startsWith("keel-proxy:");
        assertThat(r.messages).isEmpty();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
