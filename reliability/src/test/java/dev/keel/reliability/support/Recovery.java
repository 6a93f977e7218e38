package dev.keel.reliability.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;

/**
 * Load on a {@link Cluster} through both of Keel's paths at once, {@code GET /work} from 4 threads
 * through the proxy and 4 through the in-app client, and the checks the registry-recovery scenarios
 * (issue #10 scenario 2) make on it: a recovery only counts once traffic through both paths reaches
 * the returning backend again, without a single failed request. Closing it stops both loads.
 */
public final class Recovery implements AutoCloseable {
  public final Load viaProxy;
  public final Load viaClient;

  /** Starts both loads; {@code label} names them in figures ({@code label/proxy}, {@code label/client}). */
  public Recovery(Cluster cluster, String label) {
    viaProxy = new Load(label + "/proxy", 4, () -> cluster.proxyGet("/work"));
    Load client;
    try {
      client = new Load(label + "/client", 4, () -> cluster.clientGet("/work"));
    } catch (RuntimeException | Error e) {
      viaProxy.close();
      throw e;
    }
    viaClient = client;
  }

  /** Waits until each of {@code backends} has answered both loads: the steady state a scenario starts from. */
  public void awaitRoutedToEach(Duration within, Collection<String> backends) {
    await().atMost(within).until(() -> backends.stream()
        .allMatch(b -> viaProxy.answeredBy(b) > 0 && viaClient.answeredBy(b) > 0));
  }

  /** How often {@code backend} has answered each load so far: proxy, client. */
  public int[] answers(String backend) {
    return new int[] {viaProxy.answeredBy(backend), viaClient.answeredBy(backend)};
  }

  /**
   * Waits until both loads have had more answers from {@code backend} than {@code before} (proxy,
   * client), as returned by {@link #answers}.
   *
   * @return the milliseconds it took
   */
  public long awaitRoutedAgain(Duration within, String backend, int[] before) {
    long start = System.nanoTime();
    await().atMost(within).until(() -> viaProxy.answeredBy(backend) > before[0] && viaClient.answeredBy(backend) > before[1]);
    return (System.nanoTime() - start) / 1_000_000;
  }

  /**
   * The answers of {@code departed}, a backend that left the registry but still runs (so a stale
   * entry would still send it requests), over one second once the set was corrected. Starts 200 ms
   * late: requests sent to it before the correction may still be finishing.
   */
  public Departed watchDeparted(String departed) throws InterruptedException {
    Thread.sleep(200); // the grace this property allows, not a wait for a condition
    int[] before = answers(departed);
    Thread.sleep(1000); // the observation window
    return new Departed(departed, before, answers(departed));
  }

  /** What {@link #watchDeparted} saw: answers (proxy, client) at the start and at the end of that second. */
  public record Departed(String backend, int[] before, int[] after) {
    public void assertNoNewAnswers() {
      assertThat(after).as("answers of the departed %s (proxy, client) once corrected", backend).isEqualTo(before);
    }
  }

  /** Stops both loads and asserts that no request through either failed. */
  public void stopAndAssertNoFailures() throws InterruptedException {
    viaProxy.stop();
    viaClient.stop();
    assertThat(viaProxy.failures).isEmpty();
    assertThat(viaClient.failures).isEmpty();
    assertThat(viaProxy.failed.get() + viaClient.failed.get()).isZero();
  }

  @Override
  public void close() {
    viaClient.close(); // the reverse of starting, as try-with-resources would
    viaProxy.close();
  }
}
