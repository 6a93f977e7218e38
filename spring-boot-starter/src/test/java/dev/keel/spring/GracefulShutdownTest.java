package dev.keel.spring;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.client.KeelOkHttp;
import dev.keel.client.ServicePolicy;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.Subscription;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A callee shut down gracefully while a caller sends it traffic: it leaves the registry first and
 * keeps accepting connections until callers have dropped it, so the caller never meets a refused
 * connection. The caller has retries off, so any connection failure would surface as a failed call.
 */
class GracefulShutdownTest {
  private static final String SERVICE = "graceful-callee";

  @Test
  void aCalleeDeregistersBeforeItStopsAcceptingSoNoCallIsRefused() throws Exception {
    String uri = SharedZooKeeper.uri("/graceful");
    ConfigurableApplicationContext one = callee(uri, "callee-1");
    ConfigurableApplicationContext two = callee(uri, "callee-2");
    int portOne = port(one);
    try (RegistryClient callerRegistry = Registries.open(uri);
         KeelOkHttp keel = KeelOkHttp.builder(callerRegistry)
             .service(SERVICE, ServicePolicy.builder().maxRetries(0).build()).build()) {
      // The moment callee-1 leaves the registry (as the caller's own watch sees it), its port must still accept.
      Queue<Boolean> acceptingWhenRemoved = new ConcurrentLinkedQueue<>();
      Subscription watch = callerRegistry.watch(SERVICE, set -> {
        if (set.size() == 1 && set.instances().get(0).port() != portOne && acceptingWhenRemoved.isEmpty()) {
          acceptingWhenRemoved.add(accepts(portOne));
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> callerRegistry.resolve(SERVICE).size() == 2);
      OkHttpClient http = keel.newClient();

      Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
      Queue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      Thread traffic = new Thread(() -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // bounded whatever happens
        while (!stop.get() && System.nanoTime() < deadline) {
          try (Response r = http.newCall(new Request.Builder().url("http://" + SERVICE + "/hello").build()).execute()) {
            answers.computeIfAbsent(r.body().string(), k -> new AtomicInteger()).incrementAndGet();
          } catch (IOException e) {
            failures.add(e.toString());
          }
        }
      }, "graceful-traffic");
      traffic.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> answers.containsKey("callee-1") && answers.containsKey("callee-2"));

      one.close(); // graceful: deregister, drain delay, then the web server's graceful shutdown
      AtomicInteger second = requireNonNull(answers.get("callee-2"));
      int afterClose = second.get();
      await().atMost(Duration.ofSeconds(20)).until(() -> second.get() > afterClose + 20);
      stop.set(true);
      traffic.join(TimeUnit.SECONDS.toMillis(30));
      watch.close();

      assertThat(failures).isEmpty();
      assertThat(acceptingWhenRemoved).containsExactly(true);
      assertThat(accepts(portOne)).isFalse(); // and it did stop
      InstanceSet left = callerRegistry.resolve(SERVICE);
      assertThat(left.instances()).extracting(i -> i.port()).containsExactly(port(two));
    } finally {
      one.close();
      two.close();
    }
  }

  private static ConfigurableApplicationContext callee(String registryUri, String name) {
    return new SpringApplicationBuilder(TestApp.class).run(
        "--server.port=0", "--server.shutdown=graceful", "--spring.main.banner-mode=off",
        "--spring.application.name=" + SERVICE, "--test.name=" + name,
        "--keel.registry.uri=" + registryUri, "--keel.registration.host=127.0.0.1");
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
