package dev.keel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.client.KeelOkHttp;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The README's "Spring Boot" section, as written: its {@code application.properties} block is the
 * application's whole configuration file. The only thing added is what differs on every machine,
 * given the way a deployment overrides it (command-line arguments): the registry's host and port
 * (the test's ZooKeeper instead of 127.0.0.1:2181, same scheme and path) and a free web port.
 */
class ReadmeSpringBootSectionTest {
  @TempDir Path dir;

  @Test
  void theReadmePropertiesRegisterTheApplicationAndCallByName() throws Exception {
    String section = section(Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8), "## Spring Boot");
    assertThat(section).contains("<artifactId>keel-bom</artifactId>", "<artifactId>keel-spring-boot-starter</artifactId>",
        "<artifactId>keel-registry-zookeeper</artifactId>");
    String block = block(section, "properties");
    Properties readme = new Properties();
    readme.load(new StringReader(block));
    assertThat(readme.stringPropertyNames()).containsExactlyInAnyOrder("spring.application.name", "keel.registry.uri");

    Path file = Files.writeString(dir.resolve("application.properties"), block);
    URI written = URI.create(readme.getProperty("keel.registry.uri"));
    String registry = written.getScheme() + "://127.0.0.1:" + SharedZooKeeper.server().getPort() + written.getPath();
    String service = readme.getProperty("spring.application.name");

    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(TestApp.class).run(
            "--spring.config.location=" + file.toUri(), "--keel.registry.uri=" + registry, "--server.port=0",
            "--spring.main.banner-mode=off", "--test.name=readme-app");
         RegistryClient observer = Registries.open(registry)) {
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      assertThat(observer.resolve(service).instances()).extracting(ServiceInstance::port).contains(port);
      assertThat(app.getBean(KeelOkHttp.class).serviceName(service)).isEqualTo(service);
      String answer = app.getBean("keelRestClient", RestClient.class).get().uri("http://" + service + "/hello")
          .retrieve().body(String.class);
      assertThat(answer).isEqualTo("readme-app");
    }
  }

  /** From {@code heading} to the next heading of the same level. */
  static String section(String markdown, String heading) {
    int start = markdown.indexOf("\n" + heading + "\n");
    assertThat(start).as("README has a section %s", heading).isNotNegative();
    int end = markdown.indexOf("\n## ", start + heading.length() + 2);
    return markdown.substring(start, end < 0 ? markdown.length() : end);
  }

  /** The first fenced block of {@code language} in {@code text}. */
  static String block(String text, String language) {
    Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
    assertThat(m.find()).as("a ```%s block", language).isTrue();
    return m.group(1);
  }
}
