package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that closes while its answer is on the way is gone: the proxy notices at once (Netty's
 * epoll reads on EPOLLRDHUP whether or not a read is pending; the client connection is also kept
 * read ahead while a keep-alive request is answered) and abandons the exchange, closing its
 * upstream connection rather than waiting for an answer nobody reads, as nginx does.
 */
class ClientCloseIntegrationTest {
  private ServerSocket backend;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch requestArrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private final CountDownLatch upstreamClosed = new CountDownLatch(1);
  private ProxyFixture proxy;

  @BeforeEach
  void start() throws Exception {
    backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::serveOne);
    proxy = new ProxyFixture("registry: static://127.0.0.1:" + backend.getLocalPort() + "\n"
        + "admin: { listen: 127.0.0.1:0 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n");
  }

  @AfterEach
  void stop() throws IOException {
    answer.countDown();
    proxy.close();
    backend.close();
    threads.shutdownNow();
  }

  /**
   * One upstream connection: reads a request head, then either answers when told or notices the
   * proxy closing the connection, whichever comes first.
   */
  private void serveOne() {
    try (Socket s = backend.accept()) {
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (head.indexOf("\r\n\r\n") < 0) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.append((char) b);
      }
      requestArrived.countDown();
      threads.execute(() -> {
        try {
          if (in.read() < 0) {
            upstreamClosed.countDown();
          }
        } catch (IOException reset) {
          upstreamClosed.countDown();
        }
      });
      if (answer.await(20, TimeUnit.SECONDS) && upstreamClosed.getCount() > 0) {
        s.getOutputStream().write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        upstreamClosed.await(20, TimeUnit.SECONDS); // until the proxy closes it (the test ends)
      }
    } catch (IOException | InterruptedException e) {
      // the test ended
    }
  }

  @Test
  void aKeepAliveClientThatClosesWhileItsAnswerIsOnTheWayIsNoticedAndItsExchangeAbandoned() throws Exception {
    try (RawHttp client = new RawHttp(proxy.address())) {
      client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(requestArrived.await(10, TimeUnit.SECONDS)).as("the request reached the instance").isTrue();
    }
    assertThat(upstreamClosed.await(10, TimeUnit.SECONDS))
        .as("the proxy closes the upstream connection of the abandoned exchange before any answer").isTrue();
  }
}
