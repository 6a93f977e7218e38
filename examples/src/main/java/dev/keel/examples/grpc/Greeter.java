package dev.keel.examples.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A one-method gRPC service, {@code example.Greeter/Hello}, written by hand so that the example
 * needs no protoc: a name in, a greeting that names the answering server out (UTF-8 strings). With
 * generated stubs the Keel parts of the example are the same.
 */
final class Greeter {
  static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
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

  static final MethodDescriptor<String, String> HELLO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("example.Greeter", "Hello"))
      .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT)
      .build();

  private Greeter() {}

  /** The service as served by the server named {@code server}. */
  static ServerServiceDefinition service(String server) {
    return ServerServiceDefinition.builder("example.Greeter")
        .addMethod(HELLO, ServerCalls.asyncUnaryCall((name, reply) -> {
          reply.onNext("hello " + name + " from " + server);
          reply.onCompleted();
        }))
        .build();
  }
}
