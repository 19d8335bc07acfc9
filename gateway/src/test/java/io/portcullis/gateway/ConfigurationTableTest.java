package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.web.TrustedProxies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's configuration table against the configuration records: every {@code gateway.*} property
 * the table names is bound by a component of a {@code @ConfigurationProperties} record, and every
 * component is in the table (or on {@link #UNDOCUMENTED}, with the reason), so that neither can
 * drift from the other. A row may name several properties ({@code a.b.c} / {@code d}: {@code a.b.d}),
 * all of a nested record ({@code gateway.resilience.retry.*}: each then named in the row, with its
 * default) or a list of records ({@code gateway.backends[]}: each field then named in the row).
 */
class ConfigurationTableTest {

    /** Read before the application context exists, by an environment post-processor, not by a record. */
    private static final Set<String> READ_WITHOUT_RECORD = Set.of(TrustedProxies.PROPERTY);

    /** Properties the records bind that the README leaves out on purpose. */
    private static final Map<String, String> UNDOCUMENTED = Map.of(
            "gateway.embedded-postgres.ephemeral", "tests: a throw-away embedded database, deleted on shutdown");

    private static final Pattern NAME = Pattern.compile("`([a-z][a-z0-9.<>\\[\\]*-]*)`");

    /** One row of the table: the property names of its first cell and the text of the others. */
    record Row(List<String> names, String rest) {
    }

    @Test
    void everyDocumentedPropertyIsBoundByARecord() throws IOException {
        var bound = ConfigurationRecords.properties();
        var unknown = new ArrayList<String>();
        var checked = 0;
        for (Row row : table()) {
            for (String name : row.names()) {
                if (!name.startsWith("gateway.") || READ_WITHOUT_RECORD.contains(name)) {
                    continue; // Spring Boot's own (server.*, spring.*, management.*), or named above
                }
                checked++;
                unknown.addAll(unbound(name, row.rest(), bound));
            }
        }
        assertThat(checked).as("gateway.* properties found in README's configuration table").isGreaterThan(30);
        assertThat(unknown).as("README names these, but no configuration record binds them").isEmpty();
    }

    @Test
    void everyBoundPropertyIsInTheTable() throws IOException {
        var rows = table();
        var missing = new TreeSet<String>();
        for (String property : ConfigurationRecords.properties().keySet()) {
            if (!UNDOCUMENTED.containsKey(property) && rows.stream().noneMatch(row -> covers(row, property))) {
                missing.add(property);
            }
        }
        assertThat(missing).as("bound by a record but missing from README's configuration table"
                + " (add a row, or list them in UNDOCUMENTED with the reason)").isEmpty();
        assertThat(UNDOCUMENTED.keySet()).as("UNDOCUMENTED names only properties a record binds")
                .allSatisfy(name -> assertThat(ConfigurationRecords.properties()).containsKey(name));
    }

    @Test
    void aMisspelledOrUnlistedPropertyIsCaught() {
        var bound = ConfigurationRecords.properties();

        assertThat(unbound("gateway.usage.queue-capactiy", "", bound)).containsExactly("gateway.usage.queue-capactiy");
        assertThat(unbound("gateway.resilience.retry.*", "`max-attempts: 3`", bound))
                .as("a wildcard row must name each property it stands for").isNotEmpty();
        assertThat(unbound("gateway.backends[]", "`name`, `type`", bound)).contains("gateway.backends[].base-url");
        assertThat(unbound("gateway.pricing.<model>.output-per-million", "", bound)).isEmpty();
        assertThat(covers(new Row(List.of("gateway.upstream.connect-timeout"), ""), "gateway.upstream.idle-timeout"))
                .isFalse();
    }

    // ---- the matching ---------------------------------------------------------------------

    /** What is wrong with one documented name: the names it stands for that no record binds. */
    private static List<String> unbound(String name, String rest, SortedMap<String, Class<?>> bound) {
        String normalized = normalize(name);
        if (normalized.endsWith(".*") || normalized.endsWith("[]")) {
            String base = normalized.endsWith(".*") ? normalized.substring(0, normalized.length() - 2) : normalized;
            var under = bound.keySet().stream().filter(p -> p.startsWith(base + ".")).toList();
            if (under.isEmpty()) {
                return List.of(name);
            }
            // the row must name each property it stands for, e.g. `max-attempts: 3` or `base-url`
            return under.stream().filter(p -> !rest.contains("`" + p.substring(base.length() + 1))).toList();
        }
        return bound.containsKey(normalized) ? List.of() : List.of(name);
    }

    private static boolean covers(Row row, String property) {
        for (String name : row.names()) {
            String normalized = normalize(name);
            if (normalized.equals(property)) {
                return true;
            }
            if (normalized.endsWith(".*") && property.startsWith(normalized.substring(0, normalized.length() - 1))
                    || normalized.endsWith("[]") && property.startsWith(normalized + ".")) {
                return true;
            }
        }
        return false;
    }

    /** {@code gateway.pricing.<model>.x} is {@code gateway.pricing.<key>.x}, whatever the key is called. */
    private static String normalize(String name) {
        return name.replaceAll("<[a-z-]+>", "<key>");
    }

    // ---- the table ------------------------------------------------------------------------

    /** The rows under README's "## Configuration", each first cell's names made whole. */
    static List<Row> table() throws IOException {
        Path readme = Path.of("README.md");
        if (!Files.exists(readme)) {
            readme = Path.of("..", "README.md"); // run from the gateway module
        }
        String text = Files.readString(readme);
        int from = text.indexOf("\n## Configuration\n");
        assertThat(from).as("the section \"Configuration\" in " + readme).isNotNegative();
        int to = text.indexOf("\n## ", from + 1);
        var rows = new ArrayList<Row>();
        for (String line : text.substring(from, to < 0 ? text.length() : to).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.substring(2).split(" \\| ", 2);
            rows.add(new Row(names(cells[0]), cells.length > 1 ? cells[1] : ""));
        }
        assertThat(rows).as("rows of README's configuration table").isNotEmpty();
        return rows;
    }

    /**
     * The property names of a first cell: the first is whole, the next ones replace its last
     * segment ({@code gateway.usage.retention} / {@code partitions-ahead}); environment variable
     * names (upper case) are not property names.
     */
    private static List<String> names(String cell) {
        var names = new ArrayList<String>();
        Matcher name = NAME.matcher(cell);
        while (name.find()) {
            String found = name.group(1);
            if (names.isEmpty()) {
                names.add(found);
            } else {
                String first = names.getFirst();
                names.add(first.substring(0, first.lastIndexOf('.') + 1) + found);
            }
        }
        return names;
    }
}
