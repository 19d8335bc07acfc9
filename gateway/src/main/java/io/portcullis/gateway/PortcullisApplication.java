package io.portcullis.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts the gateway. See README.md for the two commands that matter. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PortcullisApplication {

    public static void main(String[] args) {
        SpringApplication.run(PortcullisApplication.class, args);
    }
}
