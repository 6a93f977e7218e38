package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.grpc.auto.Payload;
import com.alibaba.nacos.api.grpc.auto.RequestGrpc;
import com.alibaba.nacos.api.naming.remote.NamingRemoteConstants;
import com.alibaba.nacos.api.naming.remote.request.AbstractNamingRequest;
import com.alibaba.nacos.api.naming.remote.request.BatchInstanceRequest;
import com.alibaba.nacos.api.naming.remote.request.InstanceRequest;
import com.alibaba.nacos.api.naming.remote.request.ServiceQueryRequest;
import com.alibaba.nacos.api.naming.remote.response.BatchInstanceResponse;
import com.alibaba.nacos.api.naming.remote.response.InstanceResponse;
import com.alibaba.nacos.api.naming.remote.response.QueryServiceResponse;
import com.alibaba.nacos.api.remote.request.HealthCheckRequest;
import com.alibaba.nacos.api.remote.request.Request;
import com.alibaba.nacos.api.remote.request.ServerCheckRequest;
import com.alibaba.nacos.api.remote.response.ErrorResponse;
import com.alibaba.nacos.api.remote.response.HealthCheckResponse;
import com.alibaba.nacos.api.remote.response.Response;
import com.alibaba.nacos.api.remote.response.ServerCheckResponse;
import com.alibaba.nacos.common.remote.client.grpc.GrpcUtils;
import com.alibaba.nacos.shaded.io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * The unary {@code Request/request} gRPC method: one JSON request in a {@link Payload} (its class's
 * simple name in {@code metadata.type}), one response back, with the request's id. Handles the
 * connection checks, registrations of ephemeral instances and instance queries; anything else is
 * answered with an error naming the type.
 */
final class RequestService extends RequestGrpc.RequestImplBase {
  private final Connections connections;
  private final Auth auth;

  RequestService(Connections connections, Auth auth) {
    this.connections = connections;
    this.auth = auth;
  }

  @Override
  public void request(Payload payload, StreamObserver<Payload> out) {
    String connection = Connections.ID.get();
    Response response;
    Request request = null;
    try {
      request = (Request) GrpcUtils.parse(payload);
      response = handle(connection, request);
    } catch (RuntimeException e) {
      response = ErrorResponse.build(NacosException.SERVER_ERROR, "test server: " + e);
    }
    if (request != null) {
      response.setRequestId(request.getRequestId());
    }
    out.onNext(GrpcUtils.convert(response));
    out.onCompleted();
  }

  private Response handle(String connection, Request request) {
    if (request instanceof ServerCheckRequest) {
      // No ability negotiation: the client then waits 100 ms after its setup request and goes on.
      return new ServerCheckResponse(connection, false);
    }
    if (!connections.isLive(connection)) {
      return ErrorResponse.build(NacosException.UN_REGISTER, "connection is unregistered: " + connection);
    }
    if (request instanceof HealthCheckRequest) {
      return new HealthCheckResponse();
    }
    if (!(request instanceof AbstractNamingRequest)) {
      return ErrorResponse.build(NacosException.NO_HANDLER, "not handled by the test server: " + request.getClass().getSimpleName());
    }
    AbstractNamingRequest naming = (AbstractNamingRequest) request;
    String refused = auth.check(naming);
    if (refused != null) {
      return ErrorResponse.build(NacosException.NO_RIGHT, refused);
    }
    NamingStore store = connections.store;
    String ns = naming.getNamespace();
    String group = naming.getGroupName();
    String service = naming.getServiceName();
    if (request instanceof InstanceRequest) {
      InstanceRequest r = (InstanceRequest) request;
      if (NamingRemoteConstants.REGISTER_INSTANCE.equals(r.getType())) {
        store.publish(connection, ns, group, service, List.of(r.getInstance()));
      } else if (NamingRemoteConstants.DE_REGISTER_INSTANCE.equals(r.getType())) {
        store.unpublish(connection, ns, group, service);
      } else {
        return ErrorResponse.build(NacosException.INVALID_PARAM, "unsupported instance request type: " + r.getType());
      }
      return new InstanceResponse(r.getType());
    }
    if (request instanceof BatchInstanceRequest) {
      BatchInstanceRequest r = (BatchInstanceRequest) request;
      store.publish(connection, ns, group, service, r.getInstances() == null ? List.of() : r.getInstances());
      return new BatchInstanceResponse(r.getType());
    }
    if (request instanceof ServiceQueryRequest) {
      ServiceQueryRequest r = (ServiceQueryRequest) request;
      return QueryServiceResponse.buildSuccessResponse(store.query(ns, group, service, r.getCluster(), r.isHealthyOnly()));
    }
    return ErrorResponse.build(NacosException.NO_HANDLER, "not handled by the test server: " + request.getClass().getSimpleName());
  }
}
