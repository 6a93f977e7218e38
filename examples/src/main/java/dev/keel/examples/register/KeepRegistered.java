package dev.keel.examples.register;

import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.memory.MemoryRegistry;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Registers a service instance, keeps it registered through a registry session loss, and
 * deregisters it from a shutdown hook, so that callers stop picking it before the process is gone.
 *
 * <p>The registry is an in-process {@code memory://} one; with {@code zookeeper://} or {@code
 * etcd://} the code is the same: the client restores its registrations after a session or lease
 * loss, and {@code close()} deregisters.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests -Pexample -Dexample.main=dev.keel.examples.register.KeepRegistered
 * </pre>
 *
 * Runs until Ctrl-C (or SIGTERM), which deregisters the instance.
 */
public final class KeepRegistered {
  static final String REGISTRY = "memory://keep-registered";
  static final String SERVICE = "orders";

  private KeepRegistered() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    RegistryClient registry = Registries.open(REGISTRY);
    Registration me = registry.register(ServiceInstance.builder()
        .service(SERVICE).id("orders-1").host("127.0.0.1").port(8080)
        .metadata(Map.of("zone", "a")).build());
    out.println("registered " + me.instance().id() + " at " + me.instance().address()
        + "; " + SERVICE + " has " + count(registry) + " instance(s)");

    // Graceful deregistration: the hook runs on Ctrl-C, SIGTERM and a normal exit, never on SIGKILL
    // (then the registry's session or lease expiry removes the instance, later).
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      me.close(); // deregisters now; closing the client would deregister everything it registered
      out.println("deregistered " + me.instance().id() + "; " + SERVICE + " has " + count(registry) + " instance(s)");
      registry.close();
      out.flush();
      stopped.countDown();
    }, "deregister"));

    // A registry session loss (a ZooKeeper session expiry, an etcd lease lost): the registry forgets
    // the instance, and the client registers it again by itself.
    MemoryRegistry.named("keep-registered").expireSession(registry);
    out.println("session expired and restored; " + SERVICE + " has " + count(registry) + " instance(s)");

    out.println("running; Ctrl-C deregisters " + me.instance().id());
    stopped.await();
  }

  private static int count(RegistryClient registry) {
    return registry.resolve(SERVICE).instances().size();
  }
}
