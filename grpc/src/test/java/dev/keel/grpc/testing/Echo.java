package dev.keel.grpc.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * A one-method gRPC service without protoc: {@code keel.test.Echo/Who} takes a string and answers
 * with the server's name, or fails with the status the server is set to. Hand-written descriptor,
 * UTF-8 marshaller; for tests and benchmarks.
 */
public final class Echo {
  public static final String SERVICE = "keel.test.Echo";

  /** UTF-8 strings on the wire. */
  public static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
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

  public static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Who"))
      .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8)
      .build();

  private Echo() {}

  /**
   * The service: each call is answered by {@code answer} (the request in, the reply out; throw a
   * {@link io.grpc.StatusRuntimeException} to fail it).
   */
  public static ServerServiceDefinition service(UnaryOperator<String> answer) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
          String reply;
          try {
            reply = answer.apply(request);
          } catch (RuntimeException e) {
            response.onError(e instanceof io.grpc.StatusRuntimeException ? e : Status.UNKNOWN.withCause(e).asRuntimeException());
            return;
          }
          response.onNext(reply);
          response.onCompleted();
        }))
        .build();
  }

  /** One blocking call: the answering server's name. */
  public static String who(Channel channel, CallOptions options) {
    return ClientCalls.blockingUnaryCall(channel, WHO, options, "who");
  }

  /** One blocking call with a deadline of 10 s. */
  public static String who(Channel channel) {
    return who(channel, CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS));
  }
}
