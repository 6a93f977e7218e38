/** A custom balancing policy plugged in through the SPI: zone-aware. */
@NullMarked
package dev.keel.examples.zoneaware;

import org.jspecify.annotations.NullMarked;
