package io.portcullis.gateway.metrics;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a full parser: label matchers,
 * strings, ranges, grouping clauses, Grafana variables and Helm template actions are removed,
 * then every identifier that is not a function call or a keyword is a metric name.
 */
final class PromQlMetricNames {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "offset", "bool", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()");

    private PromQlMetricNames() {
    }

    static Set<String> in(String expression) {
        String s = expression
                .replaceAll("\\{\\{.*?}}", "1")                                    // Helm template actions
                .replaceAll("label_values\\(\\s*([a-zA-Z_:][\\w:]*)\\s*,\\s*\\w+\\s*\\)", "$1") // Grafana
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")                    // strings
                .replaceAll("\\{[^}]*}", "")                                       // label matchers
                .replaceAll("\\[[^]]*]", "")                                       // ranges
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
                .replaceAll("\\$\\w+", "");                                        // Grafana variables
        var names = new TreeSet<String>();
        var m = IDENTIFIER.matcher(s);
        while (m.find()) {
            if (!KEYWORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
