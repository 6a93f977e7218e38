package dev.keel.proxy;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logging set up in code (found by logback through ServiceLoader) rather than from XML: parsing
 * XML costs a few hundred classes and a noticeable part of start-up. Logs go to stderr; the root
 * level comes from {@code KEEL_LOG_LEVEL} (default INFO); Netty logs warnings only.
 *
 * <p>An operator's own file, named by {@code -Dlogback.configurationFile}, wins: this then
 * configures nothing and lets logback's own configurator (which reads that property) run next.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    String file = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    if (file != null && !file.isBlank()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(context);
    err.setName("stderr");
    err.setTarget("System.err");
    err.setEncoder(encoder);
    err.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    String level = System.getenv("KEEL_LOG_LEVEL");
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(err);
    context.getLogger("io.netty").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
