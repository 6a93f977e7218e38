package dev.keel.proxy.admin;

import dev.keel.proxy.config.AdminConfig;
import dev.keel.proxy.config.HostPort;
import io.netty.util.NetUtil;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which {@code Host} names the admin endpoint answers to a request without the bearer token: an
 * IP address, {@code localhost}, the host of {@code admin.listen} and the names in
 * {@code admin.allowed-hosts}. A request with the token is answered whatever its Host.
 *
 * <p>Why: anything that can reach the port can read what needs no token ({@code /healthz} with
 * the registry's state; {@code /status} and {@code /metrics} when no token is set) — including a
 * web page in a browser on the same machine, through DNS rebinding: the page's own domain is made
 * to resolve to 127.0.0.1, so the browser's same-origin rule lets the page read the answers. Such
 * a request carries the attacker's domain in {@code Host}; a request to an IP address or to
 * {@code localhost} cannot come from a rebound name, and a browser never adds the bearer token by
 * itself. Probes address a pod or host by IP (Kubernetes, cloud load balancers), so they pass.
 */
final class AdminHosts {
  private final Set<String> names = new HashSet<>();

  AdminHosts(AdminConfig config) {
    names.add("localhost");
    names.addAll(config.allowedHosts());
    HostPort listen = config.listen();
    if (listen != null) {
      names.add(listen.host().toLowerCase(Locale.ROOT));
    }
  }

  /** True when a request with this {@code Host} header (null: none) may be answered. */
  boolean allows(@Nullable String host) {
    if (host == null || host.isEmpty()) {
      return true; // no Host: HTTP/1.0 tools; browsers always send one
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close > 0 && NetUtil.isValidIpV6Address(h.substring(1, close));
    }
    int colon = h.lastIndexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1); // "localhost." is localhost
    }
    return NetUtil.isValidIpV4Address(h) || names.contains(h);
  }
}
