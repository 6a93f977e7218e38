package dev.keel.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * A real HTTPS server (the JDK's) on a free loopback port, answering its id and recording, per
 * request, the SNI names the client sent and the {@code Host} header.
 */
final class TlsTestServer implements AutoCloseable {
  final String id;
  final Queue<String> sniNames = new ConcurrentLinkedQueue<>();
  final Queue<String> hostHeaders = new ConcurrentLinkedQueue<>();
  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tls-test-server");
    t.setDaemon(true);
    return t;
  });

  TlsTestServer(String id, SSLContext context) throws IOException {
    this.id = id;
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.createContext("/", exchange -> {
      SSLSession session = ((HttpsExchange) exchange).getSSLSession();
      List<SNIServerName> names = ((ExtendedSSLSession) session).getRequestedServerNames();
      sniNames.add(names.stream().map(n -> ((SNIHostName) n).getAsciiName()).collect(Collectors.joining(",")));
      hostHeaders.add(String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
      exchange.getRequestBody().readAllBytes();
      byte[] body = id.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.setExecutor(executor);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  ServiceInstance instance(String service) {
    return ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(port()).build();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
