package dev.keel.proxy.routing;

import dev.keel.proxy.upstream.UpstreamPicker;

/**
 * One open service of a {@link ServiceDirectory}: its picker (the balancer watching the registry)
 * and what the listener kind keeps beside it (an http listener's tunnel balancing, a tcp listener's
 * shedding). Thread-safe; closed once, by the directory, on its own thread.
 */
public interface OpenService extends AutoCloseable {
  UpstreamPicker picker();

  /** Closes the picker and what was kept with it; requests already picked may still be reported. */
  @Override
  void close();
}
