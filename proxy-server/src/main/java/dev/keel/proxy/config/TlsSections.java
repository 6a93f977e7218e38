package dev.keel.proxy.config;

import dev.keel.proxy.config.ListenerConfig.Upstream;
import dev.keel.proxy.tls.CipherPolicy;
import dev.keel.proxy.tls.Pem;
import dev.keel.proxy.tls.ServerTls;
import dev.keel.proxy.tls.TlsContexts;
import dev.keel.proxy.tls.TlsFileException;
import dev.keel.proxy.tls.UpstreamTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A listener's {@code tls} and {@code upstream} sections. Each file they name is read and checked
 * here, as the listener would (certificates parse, the key is PKCS#8 and belongs to its
 * certificate, the cipher suites exist): {@code keel-proxy check} and a reload then refuse what
 * start-up would, with the line of the key that names the file.
 */
final class TlsSections {
  private TlsSections() {}

  /** The {@code tls} section, or null without one. */
  static @Nullable ServerTls server(@Nullable Fields t, List<String> warnings) {
    if (t == null) {
      return null;
    }
    String cert = t.required("cert", "a PEM certificate chain file");
    String key = t.required("key", "a PEM PKCS#8 private key file");
    ServerTls.ClientAuth auth = ServerTls.ClientAuth.of(t.oneOf("client-auth", "none", ServerTls.ClientAuth.CONFIG_NAMES));
    String clientCa = t.string("client-ca");
    if (auth != ServerTls.ClientAuth.NONE && (clientCa == null || clientCa.isBlank())) {
      throw ConfigException.at(t.line("client-auth"), t.path("client-ca"), "missing (expected: the PEM file of the CAs whose"
          + " client certificates are accepted, since client-auth is " + auth.configName() + ")");
    }
    if (auth == ServerTls.ClientAuth.NONE && clientCa != null) {
      throw t.error("client-ca", "'" + clientCa + "' is not used (expected: client-auth: optional or require with it)");
    }
    Duration handshake = t.duration("handshake-timeout", ServerTls.DEFAULT_HANDSHAKE_TIMEOUT);
    if (handshake.isZero()) {
      throw t.error("handshake-timeout", "'" + t.shownValue("handshake-timeout") + "' (expected: a duration above 0 like 10s)");
    }
    List<String> ciphers = CipherPolicy.DEFAULT;
    if (t.has("ciphers")) {
      try {
        ciphers = CipherPolicy.check(t.strings("ciphers"));
      } catch (IllegalArgumentException e) {
        throw t.error("ciphers", String.valueOf(e.getMessage()));
      }
    }
    t.done();
    ServerTls tls = new ServerTls(cert, key, auth, clientCa, handshake, ciphers);
    try {
      TlsContexts.server(tls);
    } catch (TlsFileException e) {
      throw t.error(e.key().substring("tls.".length()), e.problem());
    }
    warnIfReadable(key, t, "key", warnings);
    return tls;
  }

  /**
   * The TLS keys of the {@code upstream} section and {@code max-idle-per-loop} (defaults without
   * one); ends the section ({@link Fields#done()}), so its other keys are read before.
   *
   * @param tlsByDefault what {@code tls} is when absent ({@code protocol: h2} is HTTP/2 over TLS)
   * @param alpn the protocols offered by ALPN when TLS is on
   */
  static Upstream upstream(@Nullable Fields u, List<String> warnings, boolean tlsByDefault, List<String> alpn) {
    Upstream d = Upstream.defaults();
    if (u == null) {
      return d;
    }
    boolean tls = u.bool("tls", tlsByDefault);
    boolean verify = u.bool("verify", true);
    String ca = u.string("ca");
    String serverName = u.string("server-name");
    String cert = u.string("cert");
    String key = u.string("key");
    int maxIdle = u.integer("max-idle-per-loop", d.maxIdlePerLoop(), 0, 100_000);
    u.done();
    for (String k : new String[] {"ca", "server-name", "cert", "key"}) {
      if (!tls && u.has(k)) {
        throw u.error(k, "'" + u.shownValue(k) + "' is not used (expected: tls: true with it)");
      }
    }
    if (!verify && (ca != null || serverName != null)) {
      throw u.error(ca != null ? "ca" : "server-name", "is not used with verify: false (expected: verify: true, or leave it out)");
    }
    if (serverName != null && !serverName.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
      throw u.error("server-name", "'" + serverName + "' (expected: a DNS name like orders.internal)");
    }
    if ((cert == null) != (key == null)) {
      throw u.error(cert == null ? "key" : "cert", "given without " + (cert == null ? "cert" : "key") + " (expected: both, or neither)");
    }
    if (!tls) {
      return new Upstream(null, maxIdle);
    }
    UpstreamTls upstream = new UpstreamTls(verify, ca, serverName, cert, key, alpn);
    try {
      TlsContexts.upstream(upstream);
    } catch (TlsFileException e) {
      throw u.error(e.key().substring("upstream.".length()), e.problem());
    }
    if (key != null) {
      warnIfReadable(key, u, "key", warnings);
    }
    return new Upstream(upstream, maxIdle);
  }

  private static void warnIfReadable(String file, Fields f, String key, List<String> warnings) {
    String warning = Pem.readableByOthers(Path.of(file));
    if (warning != null) {
      warnings.add("line " + f.line(key) + ": " + f.path(key) + ": " + warning);
    }
  }
}
