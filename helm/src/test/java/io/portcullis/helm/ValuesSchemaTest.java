package io.portcullis.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** values.schema.json turns a mistaken value into a failed install, not a surprising pod. */
class ValuesSchemaTest {

    @Test
    void rejectsAWrongType() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("replicaCount", "two")))
                .hasMessageContaining("replicaCount");
    }

    @Test
    void rejectsAMisspelledKey() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("database.existingSecert", "db")))
                .hasMessageContaining("existingSecert");
    }

    @Test
    void rejectsASecretValueWhereOnlyASecretNameBelongs() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("secrets.pepper", "s3cr3t-pepper-value")))
                .hasMessageContaining("pepper");
    }

    @Test
    void rejectsADatabaseUrlThatIsNotPostgreSql() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("database.url", "jdbc:mysql://db/portcullis")))
                .hasMessageContaining("database/url");
    }

    @Test
    void rejectsAnAllowedHostThatIsAUrlRatherThanAHostPattern() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("gateway.upstream.allowedHosts[0]",
                "http://vllm?x=1"))).hasMessageContaining("allowedHosts");
    }
}
