package dev.keel.client;

import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LongConnections.Connector} of fake connections that checks make-before-break: a
 * connection may only be closed by a move after its state was handed over to an open successor.
 */
final class FakeConnections implements LongConnections.Connector<FakeConnections.Conn> {
  private static final AtomicInteger IDS = new AtomicInteger();

  /** One fake connection; {@code handedOver} is set once its state moved to an open successor. */
  static final class Conn {
    final int id = IDS.incrementAndGet();
    final String instance;
    volatile boolean open = true;
    volatile boolean handedOver;
    volatile boolean broken;
    volatile boolean abandoned; // a successor whose handover was refused: it never carried state

    Conn(String instance) {
      this.instance = instance;
    }

    @Override
    public String toString() {
      return "conn" + id + "@" + instance;
    }
  }

  final List<String> violations = new ArrayList<>();
  final List<Conn> all = new ArrayList<>();
  int handovers;
  int failHandovers;
  int failedHandovers;
  volatile boolean closingAll;

  @Override
  public synchronized Conn open(ServiceInstance instance) {
    Conn c = new Conn(instance.id());
    all.add(c);
    return c;
  }

  @Override
  public synchronized void close(Conn c) {
    if (!c.open) {
      violations.add(c + " closed twice");
    }
    // Make-before-break: a connection is closed only after its state moved to an open successor,
    // unless it broke by itself, was a refused successor, or the whole set is closing.
    if (!c.handedOver && !c.broken && !c.abandoned && !closingAll) {
      violations.add(c + " closed without a successor");
    }
    c.open = false;
  }

  synchronized void handover(Conn from, Conn to) {
    if (!from.open || !to.open) {
      violations.add("handover " + from + " -> " + to + " with a closed end");
    }
    if (failHandovers > 0) {
      failHandovers--;
      failedHandovers++;
      to.abandoned = true;
      throw new IllegalStateException("handover refused on purpose");
    }
    from.handedOver = true;
    handovers++;
  }

  synchronized int openCount() {
    return (int) all.stream().filter(c -> c.open).count();
  }
}
