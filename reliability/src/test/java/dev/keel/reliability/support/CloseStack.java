package dev.keel.reliability.support;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test fixture started, closed in reverse order (last started, first closed, as
 * try-with-resources would). Closing goes on past a failure, so that one broken piece does not
 * leave servers and threads behind for the next test; the first failure is thrown at the end.
 */
final class CloseStack implements AutoCloseable {
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private final String what;

  /** {@code what} names the fixture in the exception that reports a failed close. */
  CloseStack(String what) {
    this.what = what;
  }

  void push(AutoCloseable c) {
    toClose.push(c);
  }

  @Override
  public void close() {
    RuntimeException first = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = new IllegalStateException("closing " + what, e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
