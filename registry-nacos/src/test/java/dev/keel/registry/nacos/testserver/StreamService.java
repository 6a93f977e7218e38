package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.grpc.auto.BiRequestStreamGrpc;
import com.alibaba.nacos.api.grpc.auto.Payload;
import com.alibaba.nacos.api.remote.request.ConnectionSetupRequest;
import com.alibaba.nacos.common.remote.client.grpc.GrpcUtils;
import com.alibaba.nacos.shaded.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code BiRequestStream/requestBiStream} gRPC method. The client sends
 * {@code ConnectionSetupRequest} first, which binds the stream to its connection; the server pushes
 * {@code NotifySubscriberRequest}s on it and the client answers each with a response, which is
 * ignored here. When the client ends the stream, the connection is forgotten, as Nacos does.
 */
final class StreamService extends BiRequestStreamGrpc.BiRequestStreamImplBase {
  private static final Logger log = LoggerFactory.getLogger(StreamService.class);

  private final Connections connections;

  StreamService(Connections connections) {
    this.connections = connections;
  }

  @Override
  public StreamObserver<Payload> requestBiStream(StreamObserver<Payload> toClient) {
    String connection = Connections.ID.get();
    return new StreamObserver<>() {
      @Override
      public void onNext(Payload payload) {
        Object message;
        try {
          message = GrpcUtils.parse(payload);
        } catch (RuntimeException e) {
          log.warn("unreadable stream message on {}: {}", connection, e.toString());
          return;
        }
        if (message instanceof ConnectionSetupRequest) {
          connections.attach(connection, toClient);
        }
      }

      @Override
      public void onError(Throwable t) {
        connections.forget(connection);
      }

      @Override
      public void onCompleted() {
        connections.forget(connection);
        try {
          toClient.onCompleted();
        } catch (RuntimeException e) {
          log.debug("completing the stream of {}: {}", connection, e.toString());
        }
      }
    };
  }
}
