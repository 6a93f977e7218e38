package dev.keel.registry.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;

/** What every part of the contract needs: clients, names, waiting. See {@link RegistryContract}. */
public abstract class ContractSupport {
  private final List<RegistryClient> clients = new ArrayList<>();

  /**
   * A new client against the server under test, opened as users open it, so that the shared guards
   * of {@code Registries} are on.
   */
  protected abstract RegistryClient newClient() throws Exception;

  /**
   * Restarts the server: it goes away (clients lose their connection) and comes back on the same
   * address. Servers that keep no state across restarts must make clients restore theirs. The
   * default aborts the cases that need it.
   */
  protected void restartServer() throws Exception {
    unsupported("restarting the server");
  }

  /**
   * Makes the server forget {@code client}'s session or lease (ZooKeeper session expiry, etcd lease
   * revocation, a dropped Nacos connection), so that its registrations vanish until it restores
   * them. The default aborts the cases that need it.
   */
  protected void loseSession(RegistryClient client) throws Exception {
    unsupported("losing a session");
  }

  /** How long a change may take to be seen by another client. */
  protected Duration timeout() {
    return Duration.ofSeconds(15);
  }

  /** A new client, closed after the case. */
  protected final RegistryClient client() {
    try {
      RegistryClient c = newClient();
      synchronized (clients) {
        clients.add(c);
      }
      return c;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("newClient() failed", e);
    }
  }

  @AfterEach
  final void closeClients() {
    List<RegistryClient> all;
    synchronized (clients) {
      all = new ArrayList<>(clients);
      clients.clear();
    }
    for (RegistryClient c : all) {
      try {
        c.close();
      } catch (RuntimeException e) {
        System.err.println("closing a client after the case failed: " + e);
      }
    }
  }

  /** Makes a unique service name for this case. */
  protected String service(String base) {
    return "tck-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  protected static ServiceInstance instance(String service, String id, int port) {
    return ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(port).build();
  }

  /**
   * Awaitility with the contract's {@link #timeout()}, looking at once and then every 20 ms:
   * Awaitility's default first look, after 100 ms, would add that to every wait (5 s to
   * {@code fiftyServices} alone).
   */
  protected ConditionFactory waiting() {
    return await().atMost(timeout()).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
  }

  /** Waits until a fresh resolve of {@code service} holds exactly {@code ids}, in that order. */
  protected void awaitIds(RegistryClient c, String service, String... ids) {
    waiting().ignoreExceptions()
        .untilAsserted(() -> assertThat(ids(c.resolve(service))).containsExactly(ids));
  }

  /** Waits until {@code recorder}'s last snapshot holds exactly {@code ids}. */
  protected void awaitIds(Recorder recorder, String... ids) {
    waiting().untilAsserted(() -> assertThat(recorder.lastIds()).containsExactly(ids));
  }

  /**
   * {@code entries} metadata entries ({@code k00 = v..}, non-blank) whose keys and values add up to
   * exactly {@code chars} characters, as {@code RegistryLimits.metadataChars} counts them.
   */
  protected static Map<String, String> metadataFilling(int chars, int entries) {
    int keyChars = 3 * entries;
    int valueChars = chars - keyChars;
    if (entries > 100 || valueChars < entries) {
      throw new IllegalArgumentException("chars: " + chars + " (expected: room for " + entries
          + " entries of a 3-character key and a value)");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (int k = 0; k < entries; k++) {
      int length = valueChars / entries + (k < valueChars % entries ? 1 : 0);
      out.put(String.format(Locale.ROOT, "k%02d", k), "v".repeat(length));
    }
    return out;
  }

  protected static List<String> ids(InstanceSet set) {
    List<String> out = new ArrayList<>();
    set.instances().forEach(i -> out.add(i.id()));
    return out;
  }

  /** Aborts (not fails) the calling case, with the reason, when the server cannot do what it needs. */
  protected static void unsupported(String what) {
    Assumptions.abort(what + " is not supported by this adapter's test server");
  }
}
