package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.Subscription;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Resolves one service through a Keel registry client and follows its watch: every snapshot the
 * registry delivers (the initial one first, then each change, in order) becomes one resolution
 * result. The registry's guards have already held back empty pushes and dropped no-op updates.
 *
 * <p>Threading: {@link #start}, {@link #refresh} and {@link #shutdown} run on the channel's
 * synchronization context and never block; opening the registry (which may block) runs on the
 * channel's offload executor; snapshots are turned into addresses on the registry's dispatch lane
 * (host names are looked up there), then handed to the synchronization context.
 */
final class KeelNameResolver extends NameResolver {
  /** Where the registry client comes from and goes back to. */
  interface Source {
    /** The client; may block. */
    RegistryClient acquire();

    /** Gives the client back (closes it when this was the last user and the client is ours). */
    void release();

    /** For messages: the registry, without credentials. */
    String describe();
  }

  private final Source source;
  private final String service;
  private final String authority;
  private final SynchronizationContext syncContext;
  private final Executor offload;

  // Confined to syncContext.
  private @Nullable Listener2 listener;
  private @Nullable Subscription watch;
  private boolean opening;
  private boolean shutdown;

  KeelNameResolver(Source source, String service, @Nullable String overrideAuthority, Args args) {
    this.source = requireNonNull(source, "source");
    this.service = requireNonNull(service, "service");
    this.authority = overrideAuthority != null ? overrideAuthority : authorityOf(service);
    this.syncContext = args.getSynchronizationContext();
    Executor o = args.getOffloadExecutor();
    this.offload = o != null ? o : command -> new Thread(command, "keel-grpc-resolve " + service).start();
  }

  /** The service name when it is a valid authority, else its percent-encoding. */
  static String authorityOf(String service) {
    try {
      URI uri = new URI(null, service, null, null, null);
      if (uri.getRawAuthority() != null && uri.getRawAuthority().equals(service)) {
        return service;
      }
    } catch (URISyntaxException e) {
      // fall through: encode
    }
    return URLEncoder.encode(service, StandardCharsets.UTF_8);
  }

  @Override
  public String getServiceAuthority() {
    return authority;
  }

  @Override
  public void start(Listener2 listener) {
    syncContext.throwIfNotInThisSynchronizationContext();
    if (this.listener != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = requireNonNull(listener, "listener");
    open();
  }

  /** Re-opens after a failed open; with a live watch there is nothing to refresh (updates are pushed). */
  @Override
  public void refresh() {
    syncContext.throwIfNotInThisSynchronizationContext();
    if (listener != null && watch == null && !opening && !shutdown) {
      open();
    }
  }

  @Override
  public void shutdown() {
    syncContext.throwIfNotInThisSynchronizationContext();
    if (shutdown) {
      return;
    }
    shutdown = true;
    Subscription w = watch;
    watch = null;
    if (w != null) {
      w.close();
      source.release();
    }
  }

  private void open() {
    opening = true;
    offload.execute(() -> {
      RegistryClient client;
      try {
        client = source.acquire();
      } catch (RuntimeException e) {
        Status status = Status.UNAVAILABLE.withDescription(
            "cannot open registry " + source.describe() + " to resolve '" + service + "': " + e.getMessage()).withCause(e);
        syncContext.execute(() -> {
          opening = false;
          if (!shutdown && listener != null) {
            listener.onError(status); // the channel calls refresh() again, with back-off
          }
        });
        return;
      }
      InstanceAddresses addresses = new InstanceAddresses();
      Subscription sub;
      try {
        sub = client.watch(service, set -> deliver(client, addresses, set));
      } catch (RuntimeException e) {
        source.release();
        Status status = Status.UNAVAILABLE.withDescription(
            "cannot watch '" + service + "' in " + source.describe() + ": " + e.getMessage()).withCause(e);
        syncContext.execute(() -> {
          opening = false;
          if (!shutdown && listener != null) {
            listener.onError(status);
          }
        });
        return;
      }
      syncContext.execute(() -> {
        opening = false;
        if (shutdown) {
          sub.close();
          source.release();
        } else {
          watch = sub;
        }
      });
    });
  }

  /** On the registry's dispatch lane for this watch: in order, never concurrently. */
  private void deliver(RegistryClient client, InstanceAddresses addresses, InstanceSet set) {
    List<EquivalentAddressGroup> groups = addresses.toAddresses(set);
    ResolutionResult result = ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(Attributes.newBuilder().set(ResolvedService.KEY, new ResolvedService(client, service, set)).build())
        .build();
    // The first snapshot may arrive before the open task has published the watch; it counts all the same.
    syncContext.execute(() -> {
      if (!shutdown && listener != null) {
        listener.onResult2(result);
      }
    });
  }
}
