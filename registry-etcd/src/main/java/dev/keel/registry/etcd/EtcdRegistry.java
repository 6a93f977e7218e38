package dev.keel.registry.etcd;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryOptions;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Builds etcd registry clients without going through a URI:
 * <pre>{@code
 * RegistryClient registry = EtcdRegistry.builder()
 *     .endpoints("127.0.0.1:2379")
 *     .prefix("/keel")
 *     .ttl(Duration.ofSeconds(15))
 *     .build();
 * }</pre>
 *
 * <p>The client returned is wrapped with the shared guards of {@link Registries#guard}. Ownership:
 * a jetcd {@link Client} passed to {@link Builder#client(Client)} is used as it is and never closed
 * by Keel; a client Keel creates from endpoints is closed with the registry client.
 */
public final class EtcdRegistry {
  /** Key prefix used when none is given. */
  public static final String DEFAULT_PREFIX = "/keel";
  /** Lease TTL used when none is given. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
  /** Port of an endpoint that names none. */
  public static final int DEFAULT_PORT = 2379;

  private EtcdRegistry() {}

  public static Builder builder() {
    return new Builder();
  }

  /** Builds an etcd registry client; not thread-safe. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private @Nullable Client client;
    private String prefix = DEFAULT_PREFIX;
    private Duration ttl = DEFAULT_TTL;
    private @Nullable String user;
    private @Nullable String password;
    private boolean tls;
    private @Nullable Path trustedCa;
    private @Nullable Path certChain;
    private @Nullable Path privateKey;
    private RegistryOptions options = RegistryOptions.defaults();

    private Builder() {}

    /**
     * The etcd endpoints, each {@code host:port}, {@code host} (port 2379) or a full
     * {@code http://} / {@code https://} URL. Replaces earlier endpoints.
     */
    public Builder endpoints(String... endpoints) {
      return endpoints(List.of(endpoints));
    }

    public Builder endpoints(List<String> endpoints) {
      requireNonNull(endpoints, "endpoints");
      this.endpoints.clear();
      for (String e : endpoints) {
        this.endpoints.add(requireNonNull(e, "endpoint").strip());
      }
      return this;
    }

    /**
     * A jetcd client to use instead of endpoints; Keel does not close it. Credentials and TLS
     * are then the client's own.
     */
    public Builder client(Client client) {
      this.client = requireNonNull(client, "client");
      return this;
    }

    /** The key prefix, default {@code /keel}: instances live at {@code {prefix}/services/{service}/{id}}. */
    public Builder prefix(String prefix) {
      this.prefix = InstanceCodec.normalizePrefix(requireNonNull(prefix, "prefix"));
      return this;
    }

    /**
     * The lease TTL, whole seconds (rounded up), at least 1 s; default 15 s. A registration
     * outlives a dead process by at most about this long.
     */
    public Builder ttl(Duration ttl) {
      requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("ttl: " + dev.keel.registry.Durations.format(ttl) + " (expected: 1s..1d)");
      }
      this.ttl = ttl;
      return this;
    }

    /** User name and password of etcd's authentication; the password is never logged. */
    public Builder credentials(String user, String password) {
      this.user = requireNonNull(user, "user");
      this.password = requireNonNull(password, "password");
      return this;
    }

    /** Connect with TLS (implied by a trusted CA, a client certificate or an https:// endpoint). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** PEM file of the CA that signed the server certificates; default: the JDK's trust store. */
    public Builder trustedCa(Path caPem) {
      this.trustedCa = requireNonNull(caPem, "caPem");
      this.tls = true;
      return this;
    }

    /** PEM client certificate chain and its PKCS#8 PEM private key, for mutual TLS. */
    public Builder clientCertificate(Path certPem, Path keyPem) {
      this.certChain = requireNonNull(certPem, "certPem");
      this.privateKey = requireNonNull(keyPem, "keyPem");
      this.tls = true;
      return this;
    }

    /** The guards' settings and the timeout of registrations, resolves and connection attempts. */
    public Builder options(RegistryOptions options) {
      this.options = requireNonNull(options, "options");
      return this;
    }

    /**
     * Builds the client, wrapped with the shared guards. Does not connect: an unreachable etcd
     * shows on the first {@code register} or {@code resolve}.
     */
    public RegistryClient build() {
      return Registries.guard(buildRaw(), options);
    }

    /** The adapter's own client, without the guards (the provider path, which guards it itself). */
    EtcdRegistryClient buildRaw() {
      EtcdConfig config = new EtcdConfig(prefix, ttl, options.resolveTimeout(), describeEndpoints());
      if (client != null) {
        return new EtcdRegistryClient(client, false, config, List.of());
      }
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (String url : normalizedEndpoints()) {
        URI u = URI.create(url);
        if (u.getHost() != null) {
          addresses.add(InetSocketAddress.createUnresolved(u.getHost(), u.getPort() > 0 ? u.getPort() : DEFAULT_PORT));
        }
      }
      GrpcLogging.quietStartupNoise();
      return new EtcdRegistryClient(newJetcdClient(), true, config, addresses);
    }

    private String describeEndpoints() {
      return client != null ? "(a jetcd client passed in)" : String.join(",", normalizedEndpoints());
    }

    private List<String> normalizedEndpoints() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("endpoints: [] (expected: at least one host:port, or a jetcd client)");
      }
      boolean anyHttps = endpoints.stream().anyMatch(e -> e.startsWith("https://"));
      List<String> out = new ArrayList<>();
      for (String e : endpoints) {
        if (e.contains("://")) {
          if (!e.startsWith("http://") && !e.startsWith("https://")) {
            throw new IllegalArgumentException("endpoint: '" + e + "' (expected: host:port, http://host:port or https://host:port)");
          }
          out.add(e);
        } else {
          String hostPort = dev.keel.registry.RegistryUri.Address.parse(e, DEFAULT_PORT).toString();
          out.add((tls || anyHttps ? "https://" : "http://") + hostPort);
        }
      }
      return out;
    }

    private Client newJetcdClient() {
      List<String> urls = normalizedEndpoints();
      ClientBuilder b = Client.builder()
          .endpoints(urls.toArray(new String[0]))
          .connectTimeout(options.resolveTimeout())
          .retryMaxDuration(options.resolveTimeout());
      if (user != null && password != null) {
        b.user(bytes(user)).password(bytes(password));
      }
      if (tls || urls.stream().anyMatch(u -> u.startsWith("https://"))) {
        checkReadable("trustedCa", trustedCa);
        checkReadable("certChain", certChain);
        checkReadable("privateKey", privateKey);
        try {
          b.sslContext(ssl -> {
            if (trustedCa != null) {
              ssl.trustManager(trustedCa.toFile());
            }
            if (certChain != null && privateKey != null) {
              ssl.keyManager(certChain.toFile(), privateKey.toFile());
            }
          });
        } catch (SSLException | RuntimeException e) {
          throw new IllegalArgumentException("etcd TLS settings: " + e.getMessage()
              + " (expected: PEM CA and certificate files, a PKCS#8 PEM private key)", e);
        }
      }
      try {
        return b.build();
      } catch (RuntimeException e) {
        throw new RegistryException("cannot create an etcd client for " + urls + ": " + e.getMessage(), e);
      }
    }

    private static void checkReadable(String field, @Nullable Path file) {
      if (file != null && !Files.isReadable(file)) {
        throw new IllegalArgumentException(field + ": '" + file + "' (expected: a readable PEM file)");
      }
    }

    private static ByteSequence bytes(String s) {
      return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
  }
}
