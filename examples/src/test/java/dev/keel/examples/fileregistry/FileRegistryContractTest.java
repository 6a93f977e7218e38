package dev.keel.examples.fileregistry;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.tck.RegistryContract;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@code file://} passes the registry TCK, faults included: the file is the "server". */
class FileRegistryContractTest extends RegistryContract {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("registry.json");
  }

  @Override
  protected RegistryClient newClient() {
    return Registries.open("file://" + file());
  }

  /** The server goes away (the file is deleted) and comes back empty; clients restore theirs. */
  @Override
  protected void restartServer() throws Exception {
    Files.deleteIfExists(file());
    Files.writeString(file(), "{\"services\": {}}");
  }

  /** Someone replaces the file with one that lacks every registration; the owner restores its own. */
  @Override
  protected void loseSession(RegistryClient client) throws Exception {
    Path replacement = Files.createTempFile(dir, "replacement", ".json");
    Files.writeString(replacement, "{\"services\": {}}");
    Files.move(replacement, file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
