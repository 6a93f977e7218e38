package dev.keel.examples.fileregistry;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * {@code file:///path/to/registry.json[?poll-interval=1s&debounce=50ms&watch-service=true]}: a
 * registry kept in one JSON file (format in {@link RegistryFile}), found by
 * {@link Registries#open(String)} through {@code META-INF/services/dev.keel.registry.RegistryProvider}.
 *
 * <p>Clients of one file, in one JVM or several, see each other's registrations. Closing a client
 * removes its registrations from the file.
 */
public final class FileRegistryProvider implements RegistryProvider {
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(50);

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    uri.requireKnownParams(Set.of("poll-interval", "debounce", "watch-service"));
    if (!uri.authority().isEmpty() && !uri.authority().equals("localhost")) {
      throw new IllegalArgumentException("file registry uri host: '" + uri.authority()
          + "' (expected: none, as in file:///path/to/registry.json)");
    }
    if (uri.path().length() < 2) {
      throw new IllegalArgumentException("file registry uri path: '" + uri.path()
          + "' (expected: an absolute path, as in file:///path/to/registry.json)");
    }
    Duration poll = uri.durationParam("poll-interval", DEFAULT_POLL_INTERVAL);
    if (poll.isZero()) {
      throw new IllegalArgumentException("registry uri parameter poll-interval: '" + uri.param("poll-interval")
          + "' (expected: more than 0)");
    }
    return new FileRegistryClient(Path.of(uri.path()), poll, uri.durationParam("debounce", DEFAULT_DEBOUNCE),
        uri.booleanParam("watch-service", true));
  }

  /**
   * Opens {@code file} without the URI and the ServiceLoader, with the shared guards on, as
   * {@link Registries#open(String)} would. Every adapter should offer such an entry point.
   */
  public static RegistryClient open(Path file, RegistryOptions options) {
    requireNonNull(file, "file");
    requireNonNull(options, "options");
    return Registries.guard(new FileRegistryClient(file, DEFAULT_POLL_INTERVAL, DEFAULT_DEBOUNCE, true), options);
  }
}
