package dev.keel.registry;

/** A watch; closing it stops further calls to its listener. Idempotent. */
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
