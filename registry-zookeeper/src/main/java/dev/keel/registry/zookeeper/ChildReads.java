package dev.keel.registry.zookeeper;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.zookeeper.KeeperException;
import org.jspecify.annotations.Nullable;

/**
 * The background reads behind {@code resolve} and a watch's rebuild, as futures: a service node's
 * listing, and one node's data. A missing node is an answer (no children, no data), not a failure;
 * any other error code fails the future with ZooKeeper's exception.
 */
final class ChildReads {
  private ChildReads() {}

  /** A service node's children as listed, with the node's pzxid (0 when it does not exist). */
  record Listing(List<String> names, long pzxid) {}

  static CompletableFuture<Listing> list(CuratorFramework curator, String path) {
    CompletableFuture<Listing> listed = new CompletableFuture<>();
    try {
      curator.getChildren().inBackground((c, event) -> {
        KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
        if (code == KeeperException.Code.OK) {
          listed.complete(new Listing(event.getChildren(), event.getStat() == null ? 0 : event.getStat().getPzxid()));
        } else if (code == KeeperException.Code.NONODE) {
          listed.complete(new Listing(List.of(), 0));
        } else {
          listed.completeExceptionally(KeeperException.create(code, path));
        }
      }).forPath(path);
    } catch (Exception e) {
      listed.completeExceptionally(e);
    }
    return listed;
  }

  /** One node's data and stat, or null when it does not exist (deleted since the listing). */
  static CompletableFuture<@Nullable ChildData> read(CuratorFramework curator, String path) {
    CompletableFuture<@Nullable ChildData> read = new CompletableFuture<>();
    try {
      curator.getData().inBackground((c, event) -> {
        KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
        if (code == KeeperException.Code.OK) {
          read.complete(new ChildData(path, event.getStat(), event.getData()));
        } else if (code == KeeperException.Code.NONODE) {
          read.complete(null);
        } else {
          read.completeExceptionally(KeeperException.create(code, path));
        }
      }).forPath(path);
    } catch (Exception e) {
      read.completeExceptionally(e);
    }
    return read;
  }
}
