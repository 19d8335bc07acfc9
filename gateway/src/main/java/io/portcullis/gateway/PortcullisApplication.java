package io.portcullis.gateway;

import io.netty.util.ResourceLeakDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Starts the gateway. See README.md for the two commands that matter. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PortcullisApplication {

    /** Netty's system property for its buffer leak detector; set, it is obeyed as given. */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        withoutLeakSampling();
        SpringApplication.run(PortcullisApplication.class, args);
    }

    /**
     * Turns Netty's buffer leak detector off unless {@value #LEAK_DETECTION} is set. By default
     * Netty samples one buffer in 128, records a stack trace for it and wraps it in a second buffer
     * type, which makes every buffer call site polymorphic; on the data plane that cost about a tenth
     * of the CPU per request (docs/performance.md, "Sixth pass"). Tests start the application
     * without this method and keep Netty's default, so a leak still shows in their logs; an operator
     * chasing one sets {@code -Dio.netty.leakDetection.level=simple} (docs/operations.md).
     */
    static void withoutLeakSampling() {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
