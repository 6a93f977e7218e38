package dev.keel.proxy;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Logging set up in code (found by logback through ServiceLoader) rather than from XML: parsing
 * XML costs a few hundred classes and a noticeable part of start-up. Logs go to stderr; the root
 * level comes from {@code KEEL_LOG_LEVEL} (default INFO); Netty logs warnings only.
 *
 * <p>Registry trouble is logged by Keel once per change of state (issue 22): unless the level is
 * DEBUG or finer, exceptions print as one line ({@link OneLineThrowable}) and the registry clients'
 * own loggers (ZooKeeper, Curator, nacos-client, grpc and jetcd) log errors only, since they repeat
 * themselves on every reconnection attempt. {@code java.util.logging} (grpc, jetcd) goes through
 * SLF4J, so every line comes out in one format.
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
    Level rootLevel = Level.toLevel(System.getenv("KEEL_LOG_LEVEL"), Level.INFO);
    boolean debug = rootLevel.toInt() <= Level.DEBUG_INT;
    Map<String, Supplier<DynamicConverter<?>>> rules = new HashMap<>();
    rules.put("oneLineEx", OneLineThrowable::new);
    context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg" + (debug ? "" : "%oneLineEx") + "%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setContext(context);
    err.setName("stderr");
    err.setTarget("System.err");
    err.setEncoder(encoder);
    err.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel);
    root.addAppender(err);
    context.getLogger("io.netty").setLevel(Level.WARN);
    if (!debug) {
      for (String noisy : THIRD_PARTY_REGISTRY_LOGGERS) {
        context.getLogger(noisy).setLevel(Level.ERROR);
      }
    }
    routeJulThroughSlf4j(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Registry client libraries that log every reconnection attempt, several lines and a stack trace each. */
  static final List<String> THIRD_PARTY_REGISTRY_LOGGERS = List.of(
      "org.apache.zookeeper", "org.apache.curator", "com.alibaba.nacos", "io.grpc", "io.etcd.jetcd");

  /**
   * java.util.logging to SLF4J, with logback's levels copied into JUL so that what is off costs
   * nothing (LevelChangePropagator).
   */
  private static void routeJulThroughSlf4j(LoggerContext context) {
    LevelChangePropagator levels = new LevelChangePropagator();
    levels.setContext(context);
    levels.setResetJUL(true);
    levels.start();
    context.addListener(levels);
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }
}
