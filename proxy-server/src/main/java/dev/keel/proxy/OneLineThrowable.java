package dev.keel.proxy;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * Renders a logged exception as one line, {@code  (ConnectException: Connection refused)}, cause
 * included, instead of a stack trace: the proxy's log says what happened once per state change, and
 * stack traces are for {@code KEEL_LOG_LEVEL=DEBUG} ({@link LogSetup} then prints them in full).
 */
public final class OneLineThrowable extends ThrowableHandlingConverter {
  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy t = event.getThrowableProxy();
    if (t == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(" (");
    append(b, t);
    IThrowableProxy root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != t) {
      b.append("; caused by ");
      append(b, root);
    }
    return b.append(')').toString();
  }

  private static void append(StringBuilder b, IThrowableProxy t) {
    String name = t.getClassName();
    b.append(name.substring(name.lastIndexOf('.') + 1));
    if (t.getMessage() != null) {
      b.append(": ").append(t.getMessage().replace('\n', ' ').replace('\r', ' '));
    }
  }
}
