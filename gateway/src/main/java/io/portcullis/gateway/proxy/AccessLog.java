package io.portcullis.gateway.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.joran.spi.ConsoleTarget;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The access line's own way to the console: one INFO line per client-API request, which made it the
 * gateway's most frequent log line, and Spring Boot's default console pattern spent about 6 % of a
 * request's CPU on it (a colour converter around every field, padding, logger-name abbreviation).
 *
 * <p>When the console uses Boot's default pattern, the access logger gets a console appender of its
 * own whose pattern is the same line with the constant parts written in once (level, process id,
 * application name, logger name) and no colour: the text a reader or a log shipper sees is unchanged.
 * That appender ({@link AccessLineWriter}) also takes the write off the request's thread: a writer
 * thread writes the lines in batches of whole lines, so a busy gateway makes one write per batch, not
 * one per request.
 * Anything else is left as it is: structured logging ({@code logging.structured.format.console}:
 * the line stays one JSON document among the others), a pattern of one's own
 * ({@code logging.pattern.console}), a log file, or a logback configuration of one's own.
 */
@Component
class AccessLog {

    /** Logger of the access line; documented in docs/operations.md. */
    static final String LOGGER = "io.portcullis.gateway.access";
    /** Name of the console appender Spring Boot configures by default. */
    private static final String CONSOLE = "CONSOLE";
    private static final String DEFAULT_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    AccessLog(Environment environment) {
        if (environment.containsProperty("logging.pattern.console")
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        boolean named = environment.getProperty("logging.include-application-name", Boolean.class, true);
        install(context, leanPattern(environment.getProperty("logging.pattern.dateformat", DEFAULT_DATE_FORMAT),
                environment.getProperty("PID", String.valueOf(ProcessHandle.current().pid())),
                named ? environment.getProperty("spring.application.name") : null,
                named ? environment.getProperty("spring.application.group") : null));
    }

    /**
     * Boot's default console line for the access logger, with its constant parts as literals:
     * {@code 2026-12-06T20:31:29.123Z  INFO 4242 --- [portcullis] [thread] io.portcullis.gateway.access : ...}.
     */
    static String leanPattern(String dateFormat, String pid, String application, String group) {
        return "%d{" + dateFormat + "} %5p " + escape(pid) + " --- " + enclosed(application) + enclosed(group)
                + "[%15.15t] " + String.format("%-40s", LOGGER) + " : %m%n";
    }

    /** As Boot's {@code %esb}: the value in square brackets and a space, or nothing. */
    private static String enclosed(String value) {
        return value == null || value.isBlank() ? "" : "[" + escape(value) + "] ";
    }

    /**
     * Gives the access logger a lean, batching console appender when the root's console appender is
     * Boot's pattern one; returns whether it did.
     */
    static boolean install(LoggerContext context, String pattern) {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger access = context.getLogger(LOGGER);
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            appenders.add(it.next());
        }
        if (appenders.size() != 1 || !(appenders.getFirst() instanceof ConsoleAppender<ILoggingEvent> console)
                || !CONSOLE.equals(console.getName()) || !(console.getEncoder() instanceof PatternLayoutEncoder boot)
                || !access.isAdditive() || access.iteratorForAppenders().hasNext()) {
            return false; // a file, a structured encoder, or someone's own configuration: theirs to keep
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.setCharset(boot.getCharset());
        encoder.start();
        // the stream the console appender writes through: System.out or System.err as they are at the
        // moment of each write, so a redirection (System.setOut, a test's output capture) still applies
        var lean = new AccessLineWriter(ConsoleTarget.findByName(console.getTarget()).getStream());
        lean.setContext(context);
        lean.setName("ACCESS");
        lean.setEncoder(encoder);
        for (Filter<ILoggingEvent> filter : console.getCopyOfAttachedFiltersList()) {
            lean.addFilter(filter); // logging.threshold.console
        }
        lean.start();
        access.addAppender(lean);
        access.setAdditive(false);
        return true;
    }

    /** Logback reads '%', '(' , ')' and '\' in a pattern; a literal keeps them as text. */
    private static String escape(String literal) {
        return literal.replaceAll("([%()\\\\])", "\\\\$1");
    }
}
