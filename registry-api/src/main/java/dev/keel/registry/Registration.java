package dev.keel.registry;

/** A live registration. Closing it deregisters the instance; closing it again does nothing. */
public interface Registration extends AutoCloseable {
  /** The instance as registered. */
  ServiceInstance instance();

  /** Deregisters; idempotent, never throws for a registry that cannot be reached (it logs). */
  @Override
  void close();
}
