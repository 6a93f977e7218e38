package dev.keel.proxy.tls;

import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts of one listener, built together from its files: the one it terminates client
 * TLS with and the one it connects to instances with (each null when not used). Immutable: a
 * reload builds a new one and {@link ListenerTls#install installs} it whole, so a connection sees
 * either the old certificate, key and CAs or the new ones, never a mix.
 */
public final class TlsMaterial {
  /** No TLS on either side. */
  public static final TlsMaterial NONE = new TlsMaterial(null, null, null, null);

  private final @Nullable ServerTls serverSettings;
  private final @Nullable SslContext server;
  private final @Nullable UpstreamTls upstreamSettings;
  private final @Nullable SslContext upstream;

  private TlsMaterial(@Nullable ServerTls serverSettings, @Nullable SslContext server, @Nullable UpstreamTls upstreamSettings,
      @Nullable SslContext upstream) {
    this.serverSettings = serverSettings;
    this.server = server;
    this.upstreamSettings = upstreamSettings;
    this.upstream = upstream;
  }

  /**
   * Reads every file {@code server} and {@code upstream} name and builds their contexts.
   *
   * @throws IllegalArgumentException naming the key and file that cannot be used; nothing is kept
   */
  public static TlsMaterial load(@Nullable ServerTls server, @Nullable UpstreamTls upstream) {
    return load(server, upstream, java.util.List.of());
  }

  /**
   * As {@link #load(ServerTls, UpstreamTls)}, the client side offering {@code alpn} (an
   * {@code http} listener's {@code h2} and {@code http/1.1}).
   */
  public static TlsMaterial load(@Nullable ServerTls server, @Nullable UpstreamTls upstream, java.util.List<String> alpn) {
    if (server == null && upstream == null) {
      return NONE;
    }
    return new TlsMaterial(server, server == null ? null : TlsContexts.server(server, alpn), upstream,
        upstream == null ? null : TlsContexts.upstream(upstream));
  }

  @Nullable ServerTls serverSettings() {
    return serverSettings;
  }

  @Nullable SslContext server() {
    return server;
  }

  @Nullable UpstreamTls upstreamSettings() {
    return upstreamSettings;
  }

  @Nullable SslContext upstream() {
    return upstream;
  }

  /**
   * A digest of the content of every file {@code server} and {@code upstream} name (a file that
   * cannot be read counts as empty): tells whether a reload found new certificates, and lets the
   * config watcher notice a certificate replaced on disk.
   */
  public static String fingerprint(@Nullable ServerTls server, @Nullable UpstreamTls upstream) {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    java.util.List<@Nullable String> files = new java.util.ArrayList<>();
    if (server != null) {
      files.add(server.cert());
      files.add(server.key());
      files.add(server.clientCa());
    }
    if (upstream != null) {
      files.add(upstream.ca());
      files.add(upstream.cert());
      files.add(upstream.key());
    }
    for (String f : files) {
      if (f != null) {
        sha.update(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try {
          sha.update(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(f)));
        } catch (java.io.IOException | RuntimeException e) {
          sha.update((byte) 0);
        }
      }
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  /** True when neither side uses TLS. */
  public boolean isEmpty() {
    return server == null && upstream == null;
  }
}
