package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/1.1 client speaking gRPC's wire format through the proxy to a real grpc-java server
 * (grpc-netty) as the instance, over h2c: the request goes as an HTTP/2 stream with {@code te:
 * trailers}, messages come back as a chunked body, and {@code grpc-status}/{@code grpc-message}
 * as chunked trailers; a server stream arrives message by message; a gRPC error is the server's
 * own status in the trailers.
 */
class GrpcUpstreamIntegrationTest {
  private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<String, String> SAY = method("Say", MethodDescriptor.MethodType.UNARY);
  private static final MethodDescriptor<String, String> COUNT = method("Count", MethodDescriptor.MethodType.SERVER_STREAMING);

  private Server grpc;
  private ProxyFixture proxy;

  private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder().setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("keel.test.Grpc", name))
        .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
  }

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder("keel.test.Grpc")
        .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
          if (request.equals("nobody")) {
            response.onError(Status.NOT_FOUND.withDescription("no such person").asRuntimeException());
            return;
          }
          response.onNext("hello " + request);
          response.onCompleted();
        }))
        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((request, response) -> {
          for (int i = 1; i <= Integer.parseInt(request); i++) {
            response.onNext("n" + i);
          }
          response.onCompleted();
        }))
        .build();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    proxy = ProxyFixture.of("static://127.0.0.1:" + grpc.getPort(), "    upstream: { protocol: h2c }\n");
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A gRPC message: not compressed, its length, its bytes. */
  private static String frame(String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    int n = m.length;
    return "\0" + (char) (n >>> 24) + (char) ((n >>> 16) & 0xff) + (char) ((n >>> 8) & 0xff) + (char) (n & 0xff)
        + new String(m, StandardCharsets.ISO_8859_1);
  }

  private String call(String method, String message) throws Exception {
    String body = frame(message);
    try (RawHttp c = new RawHttp(proxy.address())) {
      c.send("POST /keel.test.Grpc/" + method + " HTTP/1.1\r\nHost: grpc.test\r\nContent-Type: application/grpc\r\n"
          + "TE: trailers\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
      String head = c.readUntil("\r\n\r\n");
      if (!head.contains("transfer-encoding: chunked")) {
        return head; // a trailers-only answer: one HEADERS frame, so no body
      }
      return head + c.readUntil("\r\n0\r\n") + c.readUntil("\r\n\r\n");
    }
  }

  @Test
  void unaryCallGetsItsMessageAndStatusAsChunkedTrailers() throws Exception {
    String r = call("Say", "keel");
    assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: application/grpc\r\n")
        .contains("transfer-encoding: chunked\r\n");
    assertThat(r).contains(frame("hello keel"));
    assertThat(r).endsWith("0\r\ngrpc-status: 0\r\n\r\n");
  }

  @Test
  void serverStreamArrivesMessageByMessage() throws Exception {
    String r = call("Count", "3");
    assertThat(r).contains(frame("n1")).contains(frame("n2")).contains(frame("n3")).endsWith("grpc-status: 0\r\n\r\n");
  }

  @Test
  void aGrpcErrorIsTheServersOwnStatusInItsTrailersOnlyAnswer() throws Exception {
    // gRPC's Trailers-Only: one HEADERS frame ending the stream, status and all; an HTTP/1.1 client
    // gets them as the head of an empty response
    String r = call("Say", "nobody");
    assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").contains("grpc-status: 5\r\n")
        .contains("grpc-message: no such person\r\n").contains("content-length: 0\r\n");
  }
}
