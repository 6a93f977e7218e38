package dev.keel.proxy.transport;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's {@link EpollIoHandler}, except that a channel it registered never leaves the epoll set
 * while it is open: Keel's workaround for a Netty 4.2 epoll defect (seen in 4.2.18 and 4.2.20),
 * built on Netty's public {@link IoHandler} API, the one its event loops are composed of.
 *
 * <p>The defect: since netty/netty#16689 (the fix for netty/netty#16683), when a channel's interest
 * set becomes empty, {@code EpollIoHandler} removes the fd from epoll ({@code EPOLL_CTL_DEL}) but
 * keeps its registration marked as added, so the next interest change ({@code EPOLL_CTL_MOD})
 * fails with ENOENT and Netty closes the channel. With auto-read off and half-closure allowed, a
 * peer's FIN empties the set (EPOLLRDHUP is cleared, no read is pending), and the next write that
 * has to wait for EPOLLOUT, such as an answer to a client that half-closed, kills the connection.
 * No upstream issue names this follow-on defect yet; {@code EpollKeepRegisteredTest} shows it on
 * the Netty in use and fails once Netty no longer has it, when this class can go.
 *
 * <p>The workaround: once a registration's fd is in epoll, an empty interest set is submitted as
 * {@code EPOLLET} alone. The fd stays in the set with no event of interest; an edge-triggered entry
 * reports only EPOLLERR and EPOLLHUP, once per change, where the empty level-triggered entry that
 * netty/netty#16683 was about woke the loop without end. The next {@code EPOLL_CTL_MOD} then finds
 * the fd. Every other submission, and everything else a handler does, is Netty's own.
 *
 * <p>Threading: that of the handler it wraps; it adds one lock per interest change, uncontended
 * (the channel's event loop makes them), beside the {@code epoll_ctl} system call each one costs.
 */
final class EpollKeepRegistered implements IoHandler {
  private final IoHandler epoll;

  private EpollKeepRegistered(IoHandler epoll) {
    this.epoll = epoll;
  }

  /** A factory of {@link EpollIoHandler}s wrapped in this workaround. */
  static IoHandlerFactory factory() {
    IoHandlerFactory epoll = EpollIoHandler.newFactory();
    return new IoHandlerFactory() {
      @Override
      public IoHandler newHandler(ThreadAwareExecutor executor) {
        return new EpollKeepRegistered(epoll.newHandler(executor));
      }

      @Override
      public boolean isChangingThreadSupported() {
        return epoll.isChangingThreadSupported();
      }
    };
  }

  @Override
  public void initialize() {
    epoll.initialize();
  }

  @Override
  public int run(IoHandlerContext context) {
    return epoll.run(context);
  }

  @Override
  public void prepareToDestroy() {
    epoll.prepareToDestroy();
  }

  @Override
  public void destroy() {
    epoll.destroy();
  }

  @Override
  public IoRegistration register(IoHandle handle) throws Exception {
    return new KeptRegistration(epoll.register(handle));
  }

  @Override
  public void wakeup() {
    epoll.wakeup();
  }

  @Override
  public boolean isCompatible(Class<? extends IoHandle> handleType) {
    return epoll.isCompatible(handleType);
  }

  /** One channel's registration: Netty's, with empty interest sets kept in epoll once added. */
  private static final class KeptRegistration implements IoRegistration {
    private final IoRegistration registration;
    @GuardedBy("this")
    private boolean inEpoll; // a non-empty set was submitted: EpollIoHandler has added the fd

    KeptRegistration(IoRegistration registration) {
      this.registration = registration;
    }

    @Override
    public synchronized long submit(IoOps ops) {
      if (ops instanceof EpollIoOps o && o.value() == EpollIoOps.NONE.value()) {
        // Before the first add there is nothing to delete: Netty's own answer (no system call).
        return registration.submit(inEpoll ? EpollIoOps.EPOLLET : ops);
      }
      long submitted = registration.submit(ops);
      inEpoll = registration.isValid(); // else cancelled: the fd was not added, or is gone
      return submitted;
    }

    @Override
    @SuppressWarnings("TypeParameterUnusedInFormals") // IoRegistration's signature, not ours
    public <T> T attachment() {
      return registration.attachment();
    }

    @Override
    public boolean isValid() {
      return registration.isValid();
    }

    @Override
    public boolean cancel() {
      return registration.cancel();
    }
  }
}
