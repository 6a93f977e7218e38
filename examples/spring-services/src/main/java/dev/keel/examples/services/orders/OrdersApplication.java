package dev.keel.examples.services.orders;

import dev.keel.examples.services.ParentWatch;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Service {@code orders}: a Spring Boot application that calls {@code stock} by name through the
 * starter's {@code RestClient} ({@code http://stock/...}: Keel picks an instance per request).
 */
@SpringBootApplication
@RestController
public class OrdersApplication {
  private final String instance;
  private final RestClient keelRestClient;

  OrdersApplication(@Value("${example.instance}") String instance, RestClient keelRestClient) {
    this.instance = instance;
    this.keelRestClient = keelRestClient;
  }

  public static void main(String[] args) {
    ParentWatch.start();
    SpringApplication.run(OrdersApplication.class, args);
  }

  @GetMapping("/orders/{sku}")
  String order(@PathVariable String sku) {
    String stock = keelRestClient.get().uri("http://stock/stock/{sku}", sku).retrieve().body(String.class);
    return instance + " > " + stock;
  }
}
