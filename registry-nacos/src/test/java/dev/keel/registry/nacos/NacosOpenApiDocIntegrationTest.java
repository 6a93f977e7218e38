package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.tck.Recorder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code curl} commands of docs/registries.md ("Nacos, with its HTTP open API") run as written
 * against a real Nacos, only the address and the service name replaced: what they register Keel
 * discovers with the documented id, weight and metadata, and what they deregister it drops.
 */
@Tag(NacosServer.TAG)
class NacosOpenApiDocIntegrationTest {
  private static final Path DOC = Path.of("..", "docs", "registries.md");
  private static final String SECTION = "### Nacos, with its HTTP open API";

  @Test
  void theDocumentedCurlCommandsRegisterKeepAliveAndDeregisterAnInstanceKeelSees() throws Exception {
    List<String> commands = documentedCommands();
    assertThat(commands).as("register, heartbeat, deregister in %s", DOC).hasSize(3);
    String service = "payments-" + UUID.randomUUID().toString().substring(0, 8);
    String server = "http://" + NacosServer.shared().address();
    try (RegistryClient keel = NacosTestSupport.keel(NacosServer.shared().address()).build()) {
      Recorder seen = new Recorder();
      keel.watch(service, seen);

      run(commands.get(0), server, service);
      await().atMost(Duration.ofSeconds(15)).until(() -> seen.lastIds().equals(List.of("pay-go-1")));
      ServiceInstance go = seen.lastInstance("pay-go-1");
      assertThat(go.address()).isEqualTo("10.1.2.3:8443");
      assertThat(go.weight()).as("Nacos weight 0.5").isEqualTo(50);
      assertThat(go.metadata()).isEqualTo(Map.of("zone", "eu-1"));
      assertThat(keel.resolve(service).get("pay-go-1")).isEqualTo(go);

      assertThat(run(commands.get(1), server, service)).as("the heartbeat's answer").contains("\"code\":10200");
      run(commands.get(2), server, service);
      await().atMost(Duration.ofSeconds(15)).until(() -> seen.lastIds().isEmpty());
      assertThat(keel.resolve(service).isEmpty()).isTrue();
    }
  }

  /** The {@code curl} commands of the section's shell block, continuation lines joined. */
  private static List<String> documentedCommands() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int section = doc.indexOf(SECTION);
    assertThat(section).as("section '%s' in %s", SECTION, DOC).isNotNegative();
    int start = doc.indexOf("```sh\n", section) + "```sh\n".length();
    String block = doc.substring(start, doc.indexOf("```", start)).replace("\\\n", " ");
    List<String> out = new ArrayList<>();
    for (String line : block.split("\n")) {
      if (line.startsWith("curl ")) {
        out.add(line.replaceAll(" +", " "));
      }
    }
    return out;
  }

  /** Runs {@code command} with {@code bash}, the documented address and service replaced; its output. */
  private static String run(String command, String server, String service) throws Exception {
    String cmd = command.replace("http://127.0.0.1:8848", server).replace("payments", service);
    assertThat(cmd).as("the command names the test server").contains(server);
    Process p = new ProcessBuilder("bash", "-c", cmd + " --silent --show-error --fail").redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
    assertThat(p.exitValue()).as("exit status of %s: %s", cmd, out).isZero();
    return out;
  }
}
