package org.apache.curator.framework.imps;

import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;

/**
 * Tells a test when Curator hands a path to its guaranteed delete's retry: a delete made with
 * {@code delete().guaranteed()} whose attempts all failed, to be tried again once reconnected. It
 * hooks into Curator's own test listener ({@code FailedOperationManager.debugListener}, which
 * Curator's tests use too), so it lives in Curator's package; a Curator upgrade that moves it
 * breaks the compilation of this class, not a test's timing.
 */
public final class GuaranteedDeletes {
  private GuaranteedDeletes() {}

  /** Calls {@code listener} with each path queued for a retry; replaces any listener set before. */
  public static void onQueuedForRetry(CuratorFramework curator, Consumer<String> listener) {
    ((CuratorFrameworkImpl) curator).getFailedDeleteManager().debugListener = listener::accept;
  }
}
