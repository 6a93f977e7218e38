/** The admin listener: /status JSON, /metrics Prometheus, /healthz and the HTML dashboard. */
@NullMarked
package dev.keel.proxy.admin;

import org.jspecify.annotations.NullMarked;
