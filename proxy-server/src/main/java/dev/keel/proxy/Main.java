package dev.keel.proxy;

import dev.keel.proxy.cli.ProxyCommand;

/** {@code java -jar keel-proxy.jar ARGS}: see {@code --help}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    NettyDefaults.apply();
    int code = ProxyCommand.run(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
