# syntax=docker/dockerfile:1
# The Portcullis gateway image, referred to by the Helm chart's default image
# (helm/portcullis/values.yaml: image.repository / image.tag).
#
#   docker build -t ghcr.io/portcullis/portcullis:0.1.0 .
#
# Three stages: build the jar with the Maven wrapper, split it into Spring Boot layers (so an
# upgrade that only changes our code re-pulls one small layer, not the ~150 MB of dependencies),
# then run it on a JRE as a non-root user, with a JDK AOT cache made at build time.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# Dependencies first: this layer stays cached until a pom.xml changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY policy/pom.xml policy/pom.xml
COPY admin-ui/pom.xml admin-ui/pom.xml
COPY gateway/pom.xml gateway/pom.xml
COPY helm/pom.xml helm/pom.xml
# every module of the reactor must have its pom, even those -pl leaves out
COPY bench/pom.xml bench/pom.xml
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -pl gateway -am dependency:go-offline
COPY policy policy
COPY admin-ui admin-ui
COPY gateway gateway
# Tests run in CI (./mvnw verify); the image build only packages.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -pl gateway -am package -DskipTests

FROM eclipse-temurin:25-jdk AS layers
WORKDIR /layers
COPY --from=build /src/gateway/target/gateway.jar gateway.jar
# dependencies/, snapshot-dependencies/, application/ (and an empty spring-boot-loader/): plain jars,
# application/gateway.jar naming lib/*.jar on its manifest's class path. Not JarLauncher's nested
# jars: the JVM's AOT cache only holds classes loaded from jars on the class path.
RUN java -Djarmode=tools -jar gateway.jar extract --layers --destination extracted

FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="Portcullis gateway" \
      org.opencontainers.image.description="Access-controlled gateway for AI models" \
      org.opencontainers.image.source="https://github.com/portcullis/portcullis" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric user, matching the chart's runAsUser, so runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 portcullis \
    && useradd --system --uid 10001 --gid portcullis --no-create-home --shell /usr/sbin/nologin portcullis
WORKDIR /app
# Least-changing layer first.
COPY --from=layers /layers/extracted/dependencies/ ./
COPY --from=layers /layers/extracted/snapshot-dependencies/ ./
COPY --from=layers /layers/extracted/application/ ./
# The heap follows the container's memory limit; override with JAVA_TOOL_OPTIONS.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# JDK AOT cache (JEP 483/514/515): a training run (gateway/aot-training.sh: on x86-64 a full start on
# a throw-away embedded PostgreSQL, a few requests, SIGTERM) after which the JVM writes the classes it
# loaded and linked, with their profiles, to gateway.aot; every start maps them instead of reading
# ~100 jars, in under half the time (docs/performance.md, "Start-up"). As UID 10001, since PostgreSQL will
# not run as root; one RUN, so the cache is not stored twice. -Xmx keeps compressed oops as in any
# pod with a heap under 32 GiB; a cache the JVM cannot use (another JDK, ZGC, a heap of 32 GiB or
# more, a changed class path) is ignored with a warning, never fatal. The cache belongs to these
# jars and this JDK: it is rebuilt with them, never copied between images.
RUN --mount=type=bind,from=build,source=/src/gateway/aot-training.sh,target=/usr/local/bin/aot-training.sh \
    mkdir -m 700 /tmp/aot && chown 10001:10001 /tmp/aot \
    && runuser -u portcullis -- bash /usr/local/bin/aot-training.sh /app/gateway.jar /tmp/aot/gateway.aot -Xmx512m \
    && install -o root -g root -m 644 /tmp/aot/gateway.aot /app/gateway.aot && rm -rf /tmp/aot
USER 10001:10001
# 8080: client API, admin API, console. 8081: actuator when management.server.port=8081 (the chart sets it).
EXPOSE 8080 8081
# Exec form: java is PID 1 and receives SIGTERM, so graceful shutdown drains requests and
# flushes the usage ledger. Arguments (e.g. --spring.config.additional-location=...) append.
ENTRYPOINT ["java", "-XX:AOTCache=gateway.aot", "-jar", "gateway.jar"]
