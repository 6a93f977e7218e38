package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is an optional dependency: only {@code dev.keel.client.micrometer} may name its types,
 * so that every other class loads and links without it. Checked on the compiled classes' constant
 * pools, where every referenced class name appears.
 */
class NoMicrometerReferencesTest {
  @Test
  void onlyTheMicrometerPackageNamesMicrometerTypes() throws IOException {
    Path classes = Paths.get(KeelOkHttp.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    List<Path> all;
    try (Stream<Path> walk = Files.walk(classes)) {
      all = walk.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
    }
    assertThat(all).hasSizeGreaterThan(10);

    List<String> offenders = all.stream()
        .filter(p -> !classes.relativize(p).toString().replace('\\', '/').startsWith("dev/keel/client/micrometer/"))
        .filter(NoMicrometerReferencesTest::mentionsMicrometer)
        .map(p -> classes.relativize(p).toString())
        .collect(Collectors.toList());

    assertThat(offenders).isEmpty();
    assertThat(all).anySatisfy(p -> assertThat(mentionsMicrometer(p)).isTrue()); // the check can fail
  }

  private static boolean mentionsMicrometer(Path classFile) {
    try {
      return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1).contains("io/micrometer/");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
