/** Listener kinds by protocol name ({@code http}, later {@code tcp}): how a configured listener becomes a bound server. */
@NullMarked
package dev.keel.proxy.listener;

import org.jspecify.annotations.NullMarked;
