package dev.keel.registry.tck;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A watch listener that records every snapshot it receives and notices when it is called
 * concurrently with itself.
 */
public final class Recorder implements Consumer<InstanceSet> {
  private final List<InstanceSet> received = new ArrayList<>();
  private final AtomicInteger inside = new AtomicInteger();
  private volatile boolean overlapped;
  private final long delayMillis;

  public Recorder() {
    this(0);
  }

  /** A recorder that sleeps {@code delayMillis} in every call, to play a slow listener. */
  public Recorder(long delayMillis) {
    this.delayMillis = delayMillis;
  }

  @Override
  public void accept(InstanceSet set) {
    if (inside.incrementAndGet() > 1) {
      overlapped = true;
    }
    try {
      if (delayMillis > 0) {
        Thread.sleep(delayMillis);
      }
      synchronized (this) {
        received.add(set);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inside.decrementAndGet();
    }
  }

  public synchronized List<InstanceSet> received() {
    return List.copyOf(received);
  }

  /** The last snapshot received, or null before the first. */
  public synchronized @Nullable InstanceSet last() {
    return received.isEmpty() ? null : received.get(received.size() - 1);
  }

  /** The last snapshot received; an {@link AssertionError} before the first. */
  public synchronized InstanceSet latest() {
    InstanceSet last = last();
    if (last == null) {
      throw new AssertionError("no snapshot received yet");
    }
    return last;
  }

  /** The instance {@code id} of the last snapshot; an {@link AssertionError} when there is none. */
  public synchronized ServiceInstance lastInstance(String id) {
    InstanceSet last = last();
    ServiceInstance i = last == null ? null : last.get(id);
    if (i == null) {
      throw new AssertionError("no instance " + id + " in the last snapshot, " + last);
    }
    return i;
  }

  public synchronized int count() {
    return received.size();
  }

  /** The ids of the last snapshot, or an empty list before the first. */
  public synchronized List<String> lastIds() {
    InstanceSet last = last();
    return last == null ? List.of() : last.instances().stream().map(ServiceInstance::id).collect(Collectors.toList());
  }

  public boolean overlapped() {
    return overlapped;
  }
}
