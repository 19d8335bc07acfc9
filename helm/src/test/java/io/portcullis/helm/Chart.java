package io.portcullis.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The chart under test, rendered by the real helm library (through helm-java) and parsed. */
final class Chart {

    /** The chart, from this module's directory (where surefire runs). */
    static final Path DIRECTORY = Path.of("portcullis");
    static final String RELEASE = "gw";
    /** helm-java's library defaults to Kubernetes 1.20, below the chart's kubeVersion. */
    private static final String KUBE_VERSION = "1.31.0";

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIRECTORY);
    }

    /** Renders with the given values files (under src/test/resources/values) and --set pairs. */
    static Rendered render(List<String> valuesFiles, Map<String, Object> sets) {
        TemplateCommand template = helm().template().withName(RELEASE).withNamespace("ai")
                .withKubeVersion(KUBE_VERSION);
        for (String file : valuesFiles) {
            template.withValuesFile(Path.of("src", "test", "resources", "values", file));
        }
        sets.forEach(template::set);
        return Rendered.parse(template.call());
    }

    static Rendered render(String... valuesFiles) {
        return render(List.of(valuesFiles), Map.of());
    }

    /** The objects of one render. */
    record Rendered(String text, List<Map<String, Object>> objects) {

        static Rendered parse(String text) {
            var objects = new ArrayList<Map<String, Object>>();
            for (Object document : new Yaml(new LoaderOptions()).loadAll(text)) {
                if (document != null) {
                    objects.add(map(document));
                }
            }
            return new Rendered(text, objects);
        }

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).sorted().toList();
        }

        Map<String, Object> only(String kind) {
            var found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + ", found " + found.size() + " in " + kinds());
            }
            return found.getFirst();
        }

        List<Map<String, Object>> all(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        }

        Map<String, Object> deployment() {
            return only("Deployment");
        }

        Map<String, Object> podSpec() {
            return map(at(deployment(), "spec", "template", "spec"));
        }

        Map<String, Object> configMapWith(String key) {
            return all("ConfigMap").stream().filter(c -> at(c, "data", key) != null).findFirst()
                    .orElseThrow(() -> new AssertionError("no ConfigMap holds " + key));
        }

        /** The gateway's application YAML from the ConfigMap (its first document). */
        Map<String, Object> gatewayConfig() {
            String yaml = (String) at(configMapWith("portcullis.yaml"), "data", "portcullis.yaml");
            return map(new Yaml(new LoaderOptions()).loadAll(yaml).iterator().next());
        }

        Map<String, Object> container() {
            return map(list(podSpec().get("containers")).getFirst());
        }
    }

    /** The value at a path of map keys, or null. */
    static Object at(Object node, String... keys) {
        Object current = node;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node) {
        return (Map<String, Object>) Objects.requireNonNull(node, "no such object");
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node) {
        return (List<Object>) Objects.requireNonNull(node, "no such list");
    }
}
