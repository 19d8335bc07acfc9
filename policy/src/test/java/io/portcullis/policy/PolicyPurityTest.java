package io.portcullis.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The policy module decides and never does I/O: it may not touch frameworks or I/O APIs. */
class PolicyPurityTest {

    @Test
    void policyDependsOnNoFrameworkOrIoApi() {
        var classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.portcullis.policy");
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "jakarta..", "javax..", "java.sql..",
                        "io.micrometer..", "org.postgresql..", "tools.jackson..",
                        "com.fasterxml.jackson..", "java.net.http..", "java.io..", "java.nio.file..")
                .check(classes);
    }
}
