package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.grpc.KeelGrpc;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryUri;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Resolves {@code scheme://hosts[/path]/SERVICE[?params]} targets through {@code Registries.open}:
 * one provider per registry scheme (grpc-java looks providers up by scheme), each listed in {@code
 * META-INF/services/io.grpc.NameResolverProvider}. A registry scheme of your own (an adapter of
 * yours) gets a resolver with {@code NameResolverRegistry.getDefaultRegistry().register(
 * KeelNameResolverProvider.forScheme("file"))}.
 *
 * <p>A provider is available whether or not the registry's adapter is on the class path, so that a
 * missing adapter is reported by Keel (naming the scheme and where adapters are found) rather than
 * by grpc-java's "could not find a NameResolverProvider".
 */
public abstract class KeelNameResolverProvider extends NameResolverProvider {
  private final String scheme;

  KeelNameResolverProvider(String scheme) {
    this.scheme = requireNonNull(scheme, "scheme");
  }

  /** A provider for targets of {@code scheme}, opened through {@code Registries.open}. */
  public static NameResolverProvider forScheme(String scheme) {
    return new ByUri(scheme, SharedRegistries.INSTANCE);
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return scheme;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  /**
   * The resolver for {@code targetUri}, or null when its scheme is not this provider's.
   *
   * @throws IllegalArgumentException the target has no service segment (the message names the form)
   */
  @Override
  public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    return newNameResolver(targetUri.getScheme(), targetUri.toString(), args);
  }

  /** The RFC 3986 path (grpc-java's default since 1.80): the target's text as given, never via {@link URI}. */
  @Override
  public @Nullable NameResolver newNameResolver(io.grpc.Uri targetUri, NameResolver.Args args) {
    return newNameResolver(targetUri.getScheme(), targetUri.toString(), args);
  }

  private @Nullable NameResolver newNameResolver(String targetScheme, String targetText, NameResolver.Args args) {
    if (!scheme.equalsIgnoreCase(targetScheme)) {
      return null;
    }
    KeelTarget target = KeelTarget.parse(targetText);
    return new KeelNameResolver(source(target, args), target.service(), args.getOverrideAuthority(), args);
  }

  /** Where the resolver of {@code target} gets its registry client. */
  abstract KeelNameResolver.Source source(KeelTarget target, NameResolver.Args args);

  /** Opens the target's registry URI, shared with every other channel to the same URI. */
  static class ByUri extends KeelNameResolverProvider {
    private final SharedRegistries registries;

    ByUri(String scheme, SharedRegistries registries) {
      super(scheme);
      this.registries = requireNonNull(registries, "registries");
    }

    @Override
    KeelNameResolver.Source source(KeelTarget target, NameResolver.Args args) {
      String uri = target.registryUri();
      RegistryUri.parse(uri); // a malformed registry URI fails the channel build, not later
      return new KeelNameResolver.Source() {
        @Override
        public RegistryClient acquire() {
          return registries.acquire(uri);
        }

        @Override
        public void release() {
          registries.release(uri);
        }

        @Override
        public String describe() {
          return RegistryUri.parse(uri).toString();
        }
      };
    }
  }

  /** {@code zookeeper://hosts[/basePath]/SERVICE}. */
  public static final class ZooKeeper extends ByUri {
    public ZooKeeper() {
      super("zookeeper", SharedRegistries.INSTANCE);
    }
  }

  /** {@code etcd://hosts/SERVICE[?prefix=...]}. */
  public static final class Etcd extends ByUri {
    public Etcd() {
      super("etcd", SharedRegistries.INSTANCE);
    }
  }

  /** {@code etcds://hosts/SERVICE[?...]} (TLS to etcd). */
  public static final class Etcds extends ByUri {
    public Etcds() {
      super("etcds", SharedRegistries.INSTANCE);
    }
  }

  /** {@code nacos://hosts/SERVICE[?namespace=...&group=...]}. */
  public static final class Nacos extends ByUri {
    public Nacos() {
      super("nacos", SharedRegistries.INSTANCE);
    }
  }

  /** {@code static://host:port[;weight=N],.../SERVICE}. */
  public static final class Static extends ByUri {
    public Static() {
      super("static", SharedRegistries.INSTANCE);
    }
  }

  /** {@code memory://name/SERVICE}. */
  public static final class Memory extends ByUri {
    public Memory() {
      super("memory", SharedRegistries.INSTANCE);
    }
  }

  /**
   * {@code keel:///SERVICE}: a channel made by {@link KeelGrpc#channelBuilder}, resolved through
   * the registry client it was given ({@link KeelGrpc#REGISTRY}), which is never closed here.
   */
  public static final class Client extends KeelNameResolverProvider {
    public Client() {
      super(KeelGrpc.CLIENT_SCHEME);
    }

    @Override
    KeelNameResolver.Source source(KeelTarget target, NameResolver.Args args) {
      RegistryClient registry = args.getArg(KeelGrpc.REGISTRY);
      if (registry == null) {
        throw new IllegalArgumentException("target '" + KeelGrpc.CLIENT_SCHEME + ":///" + target.service()
            + "' needs a registry client: build the channel with KeelGrpc.channelBuilder(registry, service, credentials)");
      }
      return new KeelNameResolver.Source() {
        @Override
        public RegistryClient acquire() {
          return registry;
        }

        @Override
        public void release() {
          // the application's client: never closed here
        }

        @Override
        public String describe() {
          return "the registry client given to KeelGrpc.channelBuilder";
        }
      };
    }
  }
}
