package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.grpc.auto.BiRequestStreamGrpc;
import com.alibaba.nacos.api.grpc.auto.Payload;
import com.alibaba.nacos.common.remote.client.grpc.GrpcUtils;
import com.alibaba.nacos.shaded.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code BiRequestStream/requestBiStream} gRPC method. The client sends
 * {@code ConnectionSetupRequest} first and keeps the stream open for the server's pushes, of which
 * this server sends none. When the client ends the stream, the connection is forgotten, as Nacos does.
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
        try {
          GrpcUtils.parse(payload); // the setup request, or a response to a push
        } catch (RuntimeException e) {
          log.warn("unreadable stream message on {}: {}", connection, e.toString());
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
