package io.portcullis.gateway;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * The gateway's {@code @ConfigurationProperties} records as Spring finds them (the class path
 * under {@code io.portcullis.gateway}), and the property names they bind, named the way Spring's
 * constructor binding names them: each component in kebab case, a nested record one level down,
 * {@code name[]} for a list of records, {@code name.<key>} for a map of records.
 */
final class ConfigurationRecords {

    /** One record and the prefix it binds at. */
    record Bound(Class<?> type, String prefix) {
    }

    private ConfigurationRecords() {
    }

    static List<Bound> all() {
        var scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        var found = new ArrayList<Bound>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("io.portcullis.gateway")) {
            Class<?> type;
            try {
                type = Class.forName(candidate.getBeanClassName());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            if (!type.isRecord()) {
                throw new IllegalStateException(type.getName() + " is not a record: configuration is one record per"
                        + " feature (and this test knows only how records bind)");
            }
            String prefix = MergedAnnotations.from(type).get(ConfigurationProperties.class).getString("prefix");
            found.add(new Bound(type, prefix));
        }
        return found;
    }

    /** Every property name the records bind → the record that binds it. */
    static SortedMap<String, Class<?>> properties() {
        var names = new TreeMap<String, Class<?>>();
        for (Bound bound : all()) {
            walk(bound.prefix(), bound.type(), bound.type(), names);
        }
        return names;
    }

    private static void walk(String path, Class<?> type, Class<?> owner, Map<String, Class<?>> names) {
        for (RecordComponent component : type.getRecordComponents()) {
            String name = path + "." + DataObjectPropertyName.toDashedForm(component.getName());
            Class<?> raw = component.getType();
            Type generic = component.getGenericType();
            if (raw.isRecord()) {
                walk(name, raw, owner, names);
            } else if (Collection.class.isAssignableFrom(raw) && argument(generic, 0).isRecord()) {
                walk(name + "[]", argument(generic, 0), owner, names);
            } else if (Map.class.isAssignableFrom(raw) && argument(generic, 1).isRecord()) {
                walk(name + ".<key>", argument(generic, 1), owner, names);
            } else {
                names.put(name, owner);
            }
        }
    }

    private static Class<?> argument(Type generic, int index) {
        if (generic instanceof ParameterizedType parameterized
                && parameterized.getActualTypeArguments()[index] instanceof Class<?> argument) {
            return argument;
        }
        return Object.class;
    }
}
