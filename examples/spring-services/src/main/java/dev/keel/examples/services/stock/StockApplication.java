package dev.keel.examples.services.stock;

import dev.keel.examples.services.ParentWatch;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Service {@code stock}: a Spring Boot application. With the starter and two properties
 * ({@code spring.application.name=stock}, {@code keel.registry.uri}) it registers itself when ready
 * and leaves the registry first when it stops.
 */
@SpringBootApplication
@RestController
public class StockApplication {
  private final String instance;

  StockApplication(@Value("${example.instance}") String instance) {
    this.instance = instance;
  }

  public static void main(String[] args) {
    ParentWatch.start();
    SpringApplication.run(StockApplication.class, args);
  }

  @GetMapping("/stock/{sku}")
  String stock(@PathVariable String sku) {
    return instance + "(" + sku + ": " + (Math.abs(sku.hashCode()) % 90 + 10) + " left)";
  }
}
