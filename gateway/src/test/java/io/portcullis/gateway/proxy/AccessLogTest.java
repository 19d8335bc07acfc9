package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EchoEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the access line gets its lean appender, and where the operator's configuration is left alone. */
class AccessLogTest {

    private static final String PATTERN = AccessLog.leanPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "4242", "portcullis", null);

    private static LoggerContext withRootConsole(Encoder<ILoggingEvent> encoder) {
        LoggerContext context = new LoggerContext();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(console);
        return context;
    }

    private static PatternLayoutEncoder bootPattern() {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setPattern("%d %5p %logger : %m%n");
        return encoder;
    }

    @Test
    void writesBootsLineShapeWithoutColourOrPaddingConverters() {
        LoggerContext context = withRootConsole(bootPattern());

        assertThat(AccessLog.install(context, PATTERN)).isTrue();

        var access = context.getLogger(AccessLog.LOGGER);
        assertThat(access.isAdditive()).as("written once, not also through the root's appender").isFalse();
        var appender = (OutputStreamAppender<ILoggingEvent>) access.getAppender("ACCESS");
        var event = new LoggingEvent("x", access, Level.INFO, "request_id={} status={}", null,
                new Object[] {"req_1", 200});
        event.setThreadName("virtual-42");
        assertThat(new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8))
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S+  INFO 4242 --- \\[portcullis] \\[     virtual-42] "
                        + "io\\.portcullis\\.gateway\\.access             : request_id=req_1 status=200\\R");
    }

    @Test
    void keepsTheConsolesThreshold() {
        LoggerContext context = withRootConsole(bootPattern());
        ThresholdFilter threshold = new ThresholdFilter(); // logging.threshold.console
        threshold.setLevel("WARN");
        threshold.start();
        ((ConsoleAppender<ILoggingEvent>) context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE"))
                .addFilter(threshold);

        assertThat(AccessLog.install(context, PATTERN)).isTrue();

        assertThat(context.getLogger(AccessLog.LOGGER).getAppender("ACCESS").getCopyOfAttachedFiltersList())
                .containsExactly(threshold);
        context.stop();
    }

    @Test
    void leavesStructuredLoggingAlone() {
        LoggerContext context = withRootConsole(new EchoEncoder<>());

        assertThat(AccessLog.install(context, PATTERN)).isFalse();

        assertThat(context.getLogger(AccessLog.LOGGER).isAdditive()).isTrue();
        assertThat(context.getLogger(AccessLog.LOGGER).iteratorForAppenders()).isExhausted();
    }

    @Test
    void leavesALogFileAlone(@TempDir Path dir) {
        LoggerContext context = withRootConsole(bootPattern());
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("FILE");
        file.setFile(dir.resolve("gateway.log").toString());
        file.setEncoder(bootPattern());
        file.getEncoder().setContext(context);
        file.getEncoder().start();
        file.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(file);

        assertThat(AccessLog.install(context, PATTERN)).isFalse();

        assertThat(context.getLogger(AccessLog.LOGGER).isAdditive()).isTrue();
        file.stop();
    }

    @Test
    void keepsPercentSignsInTheApplicationNameAsText() {
        assertThat(AccessLog.leanPattern("HH:mm", "1", "gw%n(a)", null)).contains("[gw\\%n\\(a\\)] ");
    }
}
