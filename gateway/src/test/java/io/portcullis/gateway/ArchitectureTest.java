package io.portcullis.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The house rules that {@code docs/architecture.md} draws, held by the compiled classes: feature
 * packages that use only what the package map allows (layered, so without cycles), a pure
 * {@code policy}, one HTTP edge, one upstream HTTP client, and storage behind each feature's
 * store type. The package map is the document's table; {@link #theArchitecturePageShowsThisMap}
 * keeps the two the same.
 *
 * <p>Where today's code breaks a rule on purpose or for now, the class is named in an exception
 * list below with the reason; the lists are frozen in both directions: a new violation fails its
 * rule, and an exception that is no longer needed fails {@link #everyExceptionIsStillNeeded()}, so
 * the lists only shrink.
 */
class ArchitectureTest {

    private static final String GATEWAY = "io.portcullis.gateway";

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")) // policy's test jar
            .importPackages("io.portcullis");

    /**
     * Who may use whom: each feature package (subpackages included) and the feature packages it
     * may depend on, in layers: a package uses only packages listed before it. The root package
     * (application, properties, core configuration) and {@code policy} are open to all.
     */
    private static final Map<String, List<String>> MAY_USE = layers(
            "web", List.of(),
            "database", List.of(),
            "housekeeping", List.of(),
            "audit", List.of("housekeeping"),
            "usage", List.of("housekeeping"),
            "responses", List.of("housekeeping"),
            "access", List.of("web"),
            "backend", List.of("database"),
            "auth", List.of("access", "database", "web"),
            "team", List.of("access", "database", "web"),
            "metrics", List.of("backend", "usage"),
            "quota", List.of("backend", "housekeeping", "metrics", "team", "usage"),
            "alert", List.of("auth", "backend", "database", "housekeeping", "team"),
            "proxy", List.of("alert", "auth", "backend", "metrics", "quota", "responses", "team", "usage", "web"),
            "me", List.of("access", "auth", "backend", "proxy", "team", "usage", "web"),
            "dataplane", List.of("metrics", "proxy", "web"),
            "admin", List.of("access", "alert", "audit", "auth", "backend", "quota", "team", "usage", "web"));

    // ---- what the rules talk about ----------------------------------------------------------

    /** Frameworks and I/O that only the gateway may use: the policy module decides, it does no I/O. */
    private static final String[] FRAMEWORKS_AND_IO = {"org.springframework..", "jakarta..", "javax..", "java.sql..",
        "io.micrometer..", "org.postgresql..", "org.apache.catalina..", "org.apache.hc..", "tools.jackson.."};

    /**
     * Serving HTTP: the servlet API, Spring MVC and Spring's HTTP types, Spring Security's web layer,
     * Tomcat and servlet registration. Not {@code org.springframework.boot.web.server}: learning the
     * server's own port (backend's loop guard) is not serving a request.
     */
    private static final String[] HTTP_SERVER = {"jakarta.servlet..", "org.springframework.web..",
        "org.springframework.http..", "org.springframework.boot.webmvc..", "org.springframework.boot.web.servlet..",
        "org.springframework.boot.tomcat..", "org.springframework.security.web..",
        "org.springframework.security.config.annotation.web..", "org.apache.catalina..", "org.apache.coyote..",
        "org.apache.tomcat.."};

    /** The packages that are the HTTP edge as a whole: shared edge, client API, {@code /v1/me}. */
    private static final String[] HTTP_EDGE_PACKAGES = {GATEWAY + ".web..", GATEWAY + ".proxy..", GATEWAY + ".me.."};

    /**
     * Classes outside those packages that are HTTP endpoints by nature. In {@code admin}, the
     * controllers, servlet filters and message converters (by name) and the Spring Security
     * plugins listed here; the rest of admin (accounts, tokens, throttles, roles) holds no HTTP
     * type. At the root, the MVC view controllers of the console.
     */
    private static final Set<String> HTTP_EDGE_CLASSES = Set.of(
            GATEWAY + ".admin.SecurityConfiguration", // the /admin/** filter chain
            GATEWAY + ".admin.SsoLogin", // a Spring Security success handler: servlet request and response
            GATEWAY + ".admin.AccountAuthenticationProvider", // reads the address from WebAuthenticationDetails
            GATEWAY + ".CoreConfiguration"); // the console's view controllers
    private static final Pattern HTTP_EDGE_NAMES = Pattern.compile(".*(Controller|Filter|Converter)");

    /** Classes that use HTTP types outside the edge for now: a new one fails. */
    private static final Map<String, String> HTTP_EXCEPTIONS = Map.of(
            GATEWAY + ".metrics.ClientApiObservations",
            "an ObservationPredicate on Spring's HTTP server observation: it reads the URI to skip /v1");

    /**
     * Talking to PostgreSQL. Not {@link SQLException}: telling a refused record from an outage by
     * its SQL state (the usage ledger) is reading an error, not reaching the database.
     */
    private static final DescribedPredicate<JavaClass> DATABASE_ACCESS = DescribedPredicate.describe(
            "database access types (Spring JDBC, javax.sql, java.sql but SQLException, PgJDBC)",
            target -> (target.getPackageName().startsWith("org.springframework.jdbc")
                    || target.getPackageName().startsWith("javax.sql")
                    || target.getPackageName().startsWith("org.postgresql")
                    || target.getPackageName().equals("java.sql"))
                    && !target.isAssignableTo(SQLException.class));

    /** A feature's store type, by its name (the interface takes the role, the class the mechanism). */
    private static final Pattern STORE_NAMES = Pattern.compile("Jdbc.*|.*Store|.*Writer|.*Queries|.*Partitions");

    /**
     * Classes that run SQL without being a store, frozen: a new one fails, and one that stops
     * running SQL must leave the list. Each is a store under a service name, or a service that
     * holds its own small SQL; splitting them into a store and a service is open work.
     */
    private static final Map<String, String> STORAGE_EXCEPTIONS = Map.ofEntries(
            Map.entry(GATEWAY + ".admin.AdminAccounts", "the admin_account store under a service name"),
            Map.entry(GATEWAY + ".admin.AdminTokens", "issues and verifies admin tokens and stores them in one class"),
            Map.entry(GATEWAY + ".admin.LiveTokenDigests", "reads admin_token digests; belongs behind a token store"),
            Map.entry(GATEWAY + ".audit.AuditLog", "the audit feature's store: appends and verifies the chain"),
            Map.entry(GATEWAY + ".audit.AuditHead", "reads the chain's head for the gauge and the head endpoint"),
            Map.entry(GATEWAY + ".audit.AuditKey", "keeps a generated audit key in server_secret (trial mode)"),
            Map.entry(GATEWAY + ".auth.PepperConfiguration", "keeps a generated pepper in server_secret; with"
                    + " AuditKey, one ServerSecretStore in database is the fix"),
            Map.entry(GATEWAY + ".quota.QuotaConfiguration", "runs no SQL: hands the JdbcTemplate to JdbcLeaseStore"),
            Map.entry(GATEWAY + ".usage.PoisonRecords", "the usage_poison store under another name"),
            Map.entry(GATEWAY + ".usage.RollupMaintenance", "rebuilds rollups; one of the periodic loops being moved"),
            Map.entry(GATEWAY + ".usage.UsageExport", "streams the export straight from a connection (cursor)"),
            Map.entry(GATEWAY + ".usage.UsageNames", "the usage_name dictionary: a store with a cache"));

    // ---- the rules --------------------------------------------------------------------------

    @Test
    void featurePackagesDependOnEachOtherWithoutCycles() {
        slices().matching(GATEWAY + ".(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void everyFeaturePackageIsOnTheMap() {
        var features = new TreeSet<String>();
        for (JavaClass clazz : CLASSES) {
            String pkg = clazz.getPackageName();
            if (pkg.startsWith(GATEWAY + ".")) {
                features.add(pkg.substring(GATEWAY.length() + 1).split("\\.")[0]);
            }
        }
        assertThat(MAY_USE.keySet())
                .as("every feature package has a row in MAY_USE and in docs/architecture.md's table")
                .containsAll(features);
    }

    @Test
    void featurePackagesUseOnlyWhatTheMapAllows() {
        var rules = new ArrayList<ArchRule>();
        MAY_USE.forEach((feature, allowed) -> {
            String[] forbidden = MAY_USE.keySet().stream()
                    .filter(other -> !other.equals(feature) && !allowed.contains(other))
                    .map(other -> GATEWAY + "." + other + "..")
                    .toArray(String[]::new);
            rules.add(noClasses().that().resideInAPackage(GATEWAY + "." + feature + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .because(feature + " may use only " + (allowed.isEmpty() ? "policy and the root package" : allowed)
                            + " (docs/architecture.md, \"Packages and who may use whom\")")
                    .allowEmptyShould(true));
        });
        CompositeArchRule.of(rules).check(CLASSES);
    }

    @Test
    void theArchitecturePageShowsThisMap() throws IOException {
        assertThat(documentedMap()).as("the table in docs/architecture.md").isEqualTo(MAY_USE);
    }

    @Test
    void onlyTheGatewayUsesFrameworksAndIo() {
        noClasses().that().resideOutsideOfPackage(GATEWAY + "..")
                .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS_AND_IO)
                .because("policy/ is pure Java; the gateway adapts it to Spring, JDBC, HTTP and metrics")
                .check(CLASSES);
    }

    @Test
    void policyNeverReachesIntoTheGateway() {
        noClasses().that().resideOutsideOfPackage(GATEWAY + "..")
                .should().dependOnClassesThat().resideInAPackage(GATEWAY + "..")
                .check(CLASSES);
    }

    @Test
    void onlyTheHttpEdgeServesHttp() {
        noClasses().that(gateway()).and(not(httpEdge())).and(not(listed(HTTP_EXCEPTIONS.keySet())))
                .should().dependOnClassesThat().resideInAnyPackage(HTTP_SERVER)
                .because("HTTP is read and written at the edge (web, proxy, me, admin's endpoints);"
                        + " features take values, not requests")
                .check(CLASSES);
    }

    @Test
    void onlyBackendKnowsHowUpstreamIsCalled() {
        noClasses().that(gateway()).and().resideOutsideOfPackage(GATEWAY + ".backend..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.hc..")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("NettyUpstream")
                .orShould().dependOnClassesThat().haveSimpleNameStartingWith("ApacheUpstream")
                .because("one shared upstream client interface (backend.UpstreamClient) whose implementations,"
                        + " and their exceptions, stay in backend; callers see the JDK's and backend's exceptions")
                .check(CLASSES);
    }

    @Test
    void onlyStoresTalkToTheDatabase() {
        noClasses().that(gateway()).and(not(store())).and(not(listed(STORAGE_EXCEPTIONS.keySet())))
                .should().dependOnClassesThat(DATABASE_ACCESS)
                .because("storage sits behind each feature's store type (Jdbc*, *Store, *Writer, *Queries,"
                        + " *Partitions) or in database")
                .check(CLASSES);
    }

    @Test
    void everyExceptionIsStillNeeded() {
        var httpServer = DescribedPredicate.<JavaClass>describe("HTTP server types",
                target -> List.of(HTTP_SERVER).stream().anyMatch(p -> inPackage(target, p)));
        assertThat(stale(HTTP_EXCEPTIONS.keySet(), httpServer))
                .as("HTTP exceptions that no longer use HTTP types: remove them from HTTP_EXCEPTIONS").isEmpty();
        assertThat(stale(STORAGE_EXCEPTIONS.keySet(), DATABASE_ACCESS))
                .as("storage exceptions that no longer touch the database: remove them from STORAGE_EXCEPTIONS")
                .isEmpty();
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** The map, checked to be layered: a package may use only packages listed before it. */
    private static Map<String, List<String>> layers(Object... rows) {
        var map = new LinkedHashMap<String, List<String>>();
        for (int i = 0; i < rows.length; i += 2) {
            String feature = (String) rows[i];
            @SuppressWarnings("unchecked")
            List<String> allowed = (List<String>) rows[i + 1];
            for (String used : allowed) {
                if (!map.containsKey(used)) {
                    throw new IllegalStateException(feature + " may use " + used + ", which is not listed before it:"
                            + " the map must stay layered, so that it has no cycle");
                }
            }
            map.put(feature, allowed);
        }
        return map;
    }

    /** The rows of the table under "Packages and who may use whom": package → the packages it may use. */
    private static Map<String, List<String>> documentedMap() throws IOException {
        Path page = Path.of("docs", "architecture.md");
        if (!Files.exists(page)) {
            page = Path.of("..", "docs", "architecture.md"); // run from the gateway module
        }
        String text = Files.readString(page);
        int from = text.indexOf("## Packages and who may use whom");
        assertThat(from).as("the section \"Packages and who may use whom\" in " + page).isNotNegative();
        int to = text.indexOf("\n## ", from + 1);
        var rows = new LinkedHashMap<String, List<String>>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z]+)` \\|[^\n]*\\| ([^|\n]*) \\|$")
                .matcher(text.substring(from, to < 0 ? text.length() : to));
        while (row.find()) {
            var uses = new ArrayList<String>();
            Matcher name = Pattern.compile("`([a-z]+)`").matcher(row.group(2));
            while (name.find()) {
                uses.add(name.group(1));
            }
            rows.put(row.group(1), uses);
        }
        return rows;
    }

    private static Set<String> stale(Set<String> exceptions, DescribedPredicate<JavaClass> banned) {
        var stale = new TreeSet<>(exceptions);
        for (JavaClass clazz : CLASSES) {
            if (exceptions.contains(topLevel(clazz).getName()) && clazz.getDirectDependenciesFromSelf().stream()
                    .anyMatch(d -> banned.test(d.getTargetClass()))) {
                stale.remove(topLevel(clazz).getName());
            }
        }
        return stale;
    }

    private static JavaClass topLevel(JavaClass clazz) {
        JavaClass top = clazz;
        while (top.getEnclosingClass().isPresent()) {
            top = top.getEnclosingClass().get();
        }
        return top;
    }

    /** ArchUnit's package syntax, {@code a.b..} or {@code a.b}, for one class. */
    private static boolean inPackage(JavaClass target, String pattern) {
        String pkg = target.getPackageName();
        if (pattern.endsWith("..")) {
            String base = pattern.substring(0, pattern.length() - 2);
            return pkg.equals(base) || pkg.startsWith(base + ".");
        }
        return pkg.equals(pattern);
    }

    private static DescribedPredicate<JavaClass> gateway() {
        return DescribedPredicate.describe("are gateway classes", c -> inPackage(c, GATEWAY + ".."));
    }

    private static DescribedPredicate<JavaClass> httpEdge() {
        return DescribedPredicate.describe("the HTTP edge", c -> List.of(HTTP_EDGE_PACKAGES).stream()
                .anyMatch(p -> inPackage(c, p))
                || HTTP_EDGE_CLASSES.contains(topLevel(c).getName())
                || inPackage(c, GATEWAY + ".admin..")
                        && HTTP_EDGE_NAMES.matcher(topLevel(c).getSimpleName()).matches());
    }

    private static DescribedPredicate<JavaClass> store() {
        return DescribedPredicate.describe("stores", c -> inPackage(c, GATEWAY + ".database..")
                || STORE_NAMES.matcher(topLevel(c).getSimpleName()).matches());
    }

    private static DescribedPredicate<JavaClass> listed(Set<String> names) {
        return DescribedPredicate.describe("listed exceptions", c -> names.contains(topLevel(c).getName()));
    }

    private static <T> DescribedPredicate<T> not(DescribedPredicate<T> predicate) {
        return DescribedPredicate.not(predicate);
    }
}
