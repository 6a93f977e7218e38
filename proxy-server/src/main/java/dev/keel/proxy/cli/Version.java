package dev.keel.proxy.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (set by the build), or "dev" when run from classes. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Version.class.getPackage().getImplementationVersion();
    return new String[] {"keel-proxy " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
  }
}
