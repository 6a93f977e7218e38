package dev.keel.proxy.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback address whose connects never complete: a listening socket that never accepts, with
 * its accept queue filled first, so that Linux drops every further SYN (the connect hangs until
 * the caller's connect timeout). An exchange sent there stays CONNECTING for as long as a test
 * needs, without sending anything off the machine.
 */
public final class BlackholeBackend implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> fillers = new ArrayList<>();

  public BlackholeBackend() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    // the accept queue holds backlog + 1 connections: fill it
    for (int i = 0; i < 2; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2000);
      fillers.add(s);
    }
  }

  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : fillers) {
      s.close();
    }
    server.close();
  }
}
