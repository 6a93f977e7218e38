package dev.keel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/** Each case configures a fresh LoggerContext of its own, so the JVM's logging stays as it was. */
class LogSetupTest {
  private final LoggerContext context = new LoggerContext();
  private String savedProperty;

  @BeforeEach
  void clearProperty() {
    context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's own start-up gives the JVM's context
    savedProperty = System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
  }

  @AfterEach
  void restore() {
    context.stop();
    if (savedProperty == null) {
      System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    } else {
      System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, savedProperty);
    }
  }

  @Test
  void withoutAnOperatorFileLogsToStderrAndStopsThere() {
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("stderr")).isNotNull();
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void registryClientLibrariesLogErrorsOnlyAndJavaUtilLoggingGoesThroughSlf4j() {
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    setup.configure(context);

    for (String noisy : LogSetup.THIRD_PARTY_REGISTRY_LOGGERS) {
      assertThat(context.getLogger(noisy).getLevel()).as(noisy).isEqualTo(Level.ERROR);
    }
    assertThat(java.util.logging.LogManager.getLogManager().getLogger("").getHandlers())
        .anySatisfy(h -> assertThat(h).isInstanceOf(org.slf4j.bridge.SLF4JBridgeHandler.class));
  }

  @Test
  void anExceptionIsOneLineWithItsRootCause() {
    ch.qos.logback.classic.spi.LoggingEvent event = new ch.qos.logback.classic.spi.LoggingEvent("x",
        context.getLogger("x"), Level.WARN, "lost", new RuntimeException("io", new java.net.ConnectException("Connection refused")), null);
    assertThat(new OneLineThrowable().convert(event))
        .isEqualTo(" (RuntimeException: io; caused by ConnectException: Connection refused)");
  }

  @Test
  void anOperatorFileNamedByThePropertyWins(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("operator.log");
    Path xml = dir.resolve("logback.xml");
    Files.writeString(xml, """
        <configuration>
          <appender name="operator" class="ch.qos.logback.core.FileAppender">
            <file>%s</file>
            <encoder><pattern>%%level %%logger - %%msg%%n</pattern></encoder>
          </appender>
          <root level="WARN"><appender-ref ref="operator"/></root>
        </configuration>
        """.formatted(log.toAbsolutePath()));
    System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, xml.toString());

    new ContextInitializer(context).autoConfig(); // finds LogSetup through ServiceLoader, as the proxy does
    context.getLogger("dev.keel.proxy.Probe").warn("written through the operator's appender");
    context.getLogger("dev.keel.proxy.Probe").info("below the operator's level");

    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getAppender("stderr")).isNull();
    assertThat(root.getAppender("operator")).isNotNull();
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    context.stop(); // flushes and closes the file
    assertThat(Files.readString(log))
        .as(() -> "logback status: " + context.getStatusManager().getCopyOfStatusList())
        .contains("WARN dev.keel.proxy.Probe - written through the operator's appender")
        .doesNotContain("below the operator's level");
  }

  @Test
  void aBlankPropertyIsNotAFile() {
    System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, " ");
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("stderr")).isNotNull();
  }
}
