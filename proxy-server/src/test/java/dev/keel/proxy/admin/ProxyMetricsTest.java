package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.FileDescriptors;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.tls.TlsMaterial;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The listener meters, read from a listener and picker whose state the test sets. */
class ProxyMetricsTest {
  @Test
  void staleGaugeFollowsThePickerAtEveryScrape() {
    try (FakePicker picker = new FakePicker();
        ProxyMetrics metrics = new ProxyMetrics(List.of(new FakeListener("web", "demo", picker)))) {
      assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0");

      picker.stale(true);
      await().untilAsserted(() ->
          assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 1.0"));

      picker.stale(false);
      await().untilAsserted(() ->
          assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0"));
    }
  }

  @Test
  void staleGaugeIsPerListener() {
    try (FakePicker fresh = new FakePicker();
        FakePicker cached = new FakePicker();
        ProxyMetrics metrics = new ProxyMetrics(List.of(
            new FakeListener("web", "demo", fresh), new FakeListener("api", "orders", cached)))) {
      cached.stale(true);
      await().untilAsserted(() -> assertThat(metrics.scrape())
          .contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0")
          .contains("keel_proxy_stale{listener=\"api\",service=\"orders\"} 1.0")
          .contains("# TYPE keel_proxy_stale gauge"));
    }
  }

  @Test
  void processMetersComeWithTheListenerMeters() {
    try (FakePicker picker = new FakePicker();
        ProxyMetrics metrics = new ProxyMetrics(List.of(new FakeListener("web", "demo", picker)))) {
      io.netty.buffer.ByteBuf held = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(64 * 1024);
      try {
        String text = metrics.scrape();
        assertThat(text)
            .contains("jvm_memory_used_bytes{area=\"heap\"")
            .contains("jvm_buffer_memory_used_bytes{id=\"direct\"}")
            .contains("jvm_threads_live_threads ")
            .contains("process_cpu_usage ")
            .contains("process_files_open_files ")
            .contains("process_uptime_seconds ");
        assertThat(gauge(text, "keel_proxy_netty_direct_memory_bytes")).isGreaterThanOrEqualTo(64 * 1024);
      } finally {
        held.release();
      }
    }
  }

  private static double gauge(String scrape, String name) {
    return scrape.lines().filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1))).findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in the scrape"));
  }

  /**
   * A real picker over a discovery whose one service the test marks stale or fresh, as the
   * registry's snapshot cache would.
   */
  private static final class FakePicker implements AutoCloseable {
    private final StaleableDiscovery discovery = new StaleableDiscovery();
    final UpstreamPicker picker = UpstreamPicker.start(
        ListenerConfig.of("web", new HostPort("127.0.0.1", 0), "http", "demo", "round-robin"), discovery);

    void stale(boolean stale) {
      discovery.push(stale);
    }

    @Override
    public void close() {
      picker.close();
    }
  }

  private static final class StaleableDiscovery implements Discovery {
    private final List<Consumer<InstanceSet>> listeners = new CopyOnWriteArrayList<>();
    private volatile InstanceSet current = set(false, 1);
    private long revision = 1;

    private static InstanceSet set(boolean stale, long revision) {
      InstanceSet s = InstanceSet.of("demo",
          List.of(ServiceInstance.builder().service("demo").host("127.0.0.1").port(9001).build()), revision);
      return stale ? s.asStale() : s;
    }

    synchronized void push(boolean stale) {
      current = set(stale, ++revision);
      listeners.forEach(l -> l.accept(current));
    }

    @Override
    public InstanceSet resolve(String service) {
      return current;
    }

    @Override
    public synchronized Subscription watch(String service, Consumer<InstanceSet> listener) {
      listeners.add(listener);
      listener.accept(current);
      return () -> listeners.remove(listener);
    }
  }

  private static final class FakeListener implements RunningListener {
    private final ListenerConfig config;
    private final UpstreamPicker picker;
    private final ListenerStats stats = new ListenerStats();
    private final ListenerTls tls = new ListenerTls(TlsMaterial.NONE);
    private final ConnectionGate gate = new ConnectionGate(0, FileDescriptors.UNLIMITED);

    FakeListener(String name, String service, FakePicker picker) {
      this(name, service, picker.picker);
    }

    FakeListener(String name, String service, UpstreamPicker picker) {
      this.config = ListenerConfig.of(name, new HostPort("127.0.0.1", 0), "http", service, "round-robin");
      this.picker = picker;
    }

    @Override
    public ListenerConfig config() {
      return config;
    }

    @Override
    public InetSocketAddress localAddress() {
      return new InetSocketAddress("127.0.0.1", 0);
    }

    @Override
    public UpstreamPicker picker() {
      return picker;
    }

    @Override
    public ListenerStats stats() {
      return stats;
    }

    @Override
    public ListenerTls tls() {
      return tls;
    }

    @Override
    public ConnectionGate gate() {
      return gate;
    }

    @Override
    public void stopAccepting() {}

    @Override
    public void resumeAccepting() {}

    @Override
    public void drain() {}

    @Override
    public int openConnections() {
      return 0;
    }

    @Override
    public void close() {}
  }
}
