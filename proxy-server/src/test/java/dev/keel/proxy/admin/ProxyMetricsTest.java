package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.listener.ConnectionGate;
import dev.keel.proxy.listener.FileDescriptors;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tls.ListenerTls;
import dev.keel.proxy.tls.TlsMaterial;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The listener meters, read from a listener and picker whose state the test sets. */
class ProxyMetricsTest {
  @Test
  void staleGaugeFollowsThePickerAtEveryScrape() {
    FakePicker picker = new FakePicker();
    ProxyMetrics metrics = new ProxyMetrics(List.of(new FakeListener("web", "demo", picker)));

    assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0");

    picker.stale = true;
    assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 1.0");

    picker.stale = false;
    assertThat(metrics.scrape()).contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0");
  }

  @Test
  void staleGaugeIsPerListener() {
    FakePicker fresh = new FakePicker();
    FakePicker cached = new FakePicker();
    cached.stale = true;
    ProxyMetrics metrics = new ProxyMetrics(List.of(
        new FakeListener("web", "demo", fresh), new FakeListener("api", "orders", cached)));

    assertThat(metrics.scrape())
        .contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0")
        .contains("keel_proxy_stale{listener=\"api\",service=\"orders\"} 1.0")
        .contains("# TYPE keel_proxy_stale gauge");
  }

  @Test
  void processMetersComeWithTheListenerMeters() {
    try (ProxyMetrics metrics = new ProxyMetrics(List.of(new FakeListener("web", "demo", new FakePicker())))) {
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

  private static final class FakePicker implements UpstreamPicker {
    volatile boolean stale;

    @Override
    public @Nullable Backend pick(@Nullable Backend exclude, @Nullable CharSequence key) {
      return null;
    }

    @Override
    public @Nullable Backend byToken(CharSequence token) {
      return null;
    }

    @Override
    public List<Backend> backends() {
      return List.of();
    }

    @Override
    public String policy() {
      return "round-robin";
    }

    @Override
    public boolean stale() {
      return stale;
    }

    @Override
    public void close() {}
  }

  private static final class FakeListener implements RunningListener {
    private final ListenerConfig config;
    private final UpstreamPicker picker;
    private final ListenerStats stats = new ListenerStats();
    private final ListenerTls tls = new ListenerTls(TlsMaterial.NONE);
    private final ConnectionGate gate = new ConnectionGate(0, FileDescriptors.UNLIMITED);

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
