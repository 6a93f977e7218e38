package dev.keel.spring;

import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.HealthChecker;
import dev.keel.client.ServicePolicy;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * How calls to one service are balanced ({@code keel.services.<name>.*}, or {@code
 * keel.client.defaults.*}); every unset value keeps Keel's default. Turned into a {@link
 * ServicePolicy} by {@link #toPolicy(String)}.
 */
public class ServiceProperties {
  /**
   * Balancing policy: round-robin (default), random, least-request, least-response-time, ring-hash,
   * or a custom policy's name.
   */
  private @Nullable String policy;
  /** Sticky sessions keyed by this request header (implies ring-hash). */
  private @Nullable String stickyHeader;
  /** Sticky sessions keyed by this cookie (implies ring-hash). */
  private @Nullable String stickyCookie;
  /** Further attempts on other instances after a failure, 0..10 (default 2). */
  private @Nullable Integer maxRetries;
  /**
   * Responses to idempotent requests up to this size are read in full before the call returns, so
   * that a body cut short is retried elsewhere (default 64KB; 0 turns it off).
   */
  private @Nullable DataSize bufferedResponseBytes;
  /**
   * The DNS name the service's HTTPS certificates carry, verified and sent as SNI. Default: the
   * service name. Never the instance's address.
   */
  private @Nullable String tlsServerName;
  /** Consecutive failures that eject an instance for a while (default 5). */
  private @Nullable Integer outlierConsecutiveFailures;
  /** How long an instance is first ejected for (default 30s; grows with repeats). */
  private @Nullable Duration outlierBaseEjectionTime;
  /** Window over which a new or recovered instance's weight ramps up (default: off). */
  private @Nullable Duration slowStartWindow;
  /** Active health checks of the service's instances (default: none; passive ejection still runs). */
  private final HealthCheck healthCheck = new HealthCheck();

  /** Active health checks: an HTTP GET of a path, or a TCP connect. */
  public static class HealthCheck {
    /** HTTP path to GET (2xx/3xx is healthy); set it, or tcp, to turn checks on. */
    private @Nullable String path;
    /** Check by TCP connect instead of HTTP. */
    private boolean tcp;
    /** Time between checks of an instance. */
    private @Nullable Duration interval;
    /** Time a check may take. */
    private @Nullable Duration timeout;

    public @Nullable String getPath() {
      return path;
    }

    public void setPath(@Nullable String path) {
      this.path = path;
    }

    public boolean isTcp() {
      return tcp;
    }

    public void setTcp(boolean tcp) {
      this.tcp = tcp;
    }

    public @Nullable Duration getInterval() {
      return interval;
    }

    public void setInterval(@Nullable Duration interval) {
      this.interval = interval;
    }

    public @Nullable Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }
  }

  /**
   * The policy these settings describe.
   *
   * @param prefix the properties' prefix, for the error message
   * @throws IllegalArgumentException naming the property and the value when one is out of range
   */
  ServicePolicy toPolicy(String prefix) {
    try {
      BalancerConfig.Builder config = BalancerConfig.builder();
      if (outlierConsecutiveFailures != null) {
        config.outlierConsecutiveFailures(outlierConsecutiveFailures);
      }
      if (outlierBaseEjectionTime != null) {
        config.outlierBaseEjectionTime(outlierBaseEjectionTime);
      }
      if (slowStartWindow != null) {
        config.slowStartWindow(slowStartWindow);
      }
      Duration interval = healthCheck.interval;
      if (interval != null) {
        config.healthInterval(interval);
      }
      Duration timeout = healthCheck.timeout;
      if (timeout != null) {
        config.healthTimeout(timeout);
      }
      ServicePolicy.Builder b = ServicePolicy.builder().balancerConfig(config.build());
      if (policy != null) {
        b.policy(policy);
      }
      if (stickyHeader != null) {
        b.stickyHeader(stickyHeader);
      }
      if (stickyCookie != null) {
        b.stickyCookie(stickyCookie);
      }
      if (maxRetries != null) {
        b.maxRetries(maxRetries);
      }
      if (bufferedResponseBytes != null) {
        b.bufferedResponseBytes((int) Math.min(Integer.MAX_VALUE, bufferedResponseBytes.toBytes()));
      }
      if (tlsServerName != null) {
        b.tlsServerName(tlsServerName);
      }
      String path = healthCheck.path;
      if (healthCheck.tcp) {
        b.healthChecker(HealthChecker.tcp());
      } else if (path != null) {
        b.healthChecker(HealthChecker.http(path));
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // The message already names the field and the value; only the prefix was missing.
      throw new IllegalArgumentException(prefix + ": " + e.getMessage());
    }
  }

  public @Nullable String getPolicy() {
    return policy;
  }

  public void setPolicy(@Nullable String policy) {
    this.policy = policy;
  }

  public @Nullable String getStickyHeader() {
    return stickyHeader;
  }

  public void setStickyHeader(@Nullable String stickyHeader) {
    this.stickyHeader = stickyHeader;
  }

  public @Nullable String getStickyCookie() {
    return stickyCookie;
  }

  public void setStickyCookie(@Nullable String stickyCookie) {
    this.stickyCookie = stickyCookie;
  }

  public @Nullable Integer getMaxRetries() {
    return maxRetries;
  }

  public void setMaxRetries(@Nullable Integer maxRetries) {
    this.maxRetries = maxRetries;
  }

  public @Nullable DataSize getBufferedResponseBytes() {
    return bufferedResponseBytes;
  }

  public void setBufferedResponseBytes(@Nullable DataSize bufferedResponseBytes) {
    this.bufferedResponseBytes = bufferedResponseBytes;
  }

  public @Nullable String getTlsServerName() {
    return tlsServerName;
  }

  public void setTlsServerName(@Nullable String tlsServerName) {
    this.tlsServerName = tlsServerName;
  }

  public @Nullable Integer getOutlierConsecutiveFailures() {
    return outlierConsecutiveFailures;
  }

  public void setOutlierConsecutiveFailures(@Nullable Integer outlierConsecutiveFailures) {
    this.outlierConsecutiveFailures = outlierConsecutiveFailures;
  }

  public @Nullable Duration getOutlierBaseEjectionTime() {
    return outlierBaseEjectionTime;
  }

  public void setOutlierBaseEjectionTime(@Nullable Duration outlierBaseEjectionTime) {
    this.outlierBaseEjectionTime = outlierBaseEjectionTime;
  }

  public @Nullable Duration getSlowStartWindow() {
    return slowStartWindow;
  }

  public void setSlowStartWindow(@Nullable Duration slowStartWindow) {
    this.slowStartWindow = slowStartWindow;
  }

  public HealthCheck getHealthCheck() {
    return healthCheck;
  }
}
