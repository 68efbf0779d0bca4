# Multi-stage build: Maven builds the fat jar, then a JRE image runs it as a non-root user.
#   docker build -t sluice .
#   docker run -p 8080:8080 sluice                       # the demo model, no key needed
#   docker stop -t 40 <container>                        # let streams finish (server.shutdown_timeout is 30 s)

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY .mvn .mvn
COPY proto proto
COPY codec codec
COPY providers providers
COPY gateway gateway
COPY bench bench
COPY conf conf
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system sluice && useradd --system --gid sluice --home /opt/sluice --shell /usr/sbin/nologin sluice
WORKDIR /opt/sluice
COPY --from=build /src/gateway/target/sluice.jar ./sluice.jar
COPY conf/sluice.yaml conf/logback.xml ./conf/
# A class data sharing archive recorded from one real start: start-up is about 40 % faster. (bash for /dev/tcp.)
SHELL ["/bin/bash", "-c"]
RUN java -XX:ArchiveClassesAtExit=sluice.jsa -jar sluice.jar --config conf/sluice.yaml & pid=$!; \
    for i in $(seq 100); do \
      (exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && cat <&3) >/dev/null 2>&1 \
        && break; sleep 0.1; \
    done; kill $pid; wait $pid || true; test -s sluice.jsa
# The sluice user's own: conf/, whose config the admin API rewrites, and data/, where a webhook's spool goes by
# default. A config mounted as a file of its own cannot be replaced (a rename onto a mount point fails), so edits
# through the admin API then fail with the reason; mount a directory at /opt/sluice/conf to keep them.
RUN mkdir -p data && chown -R sluice:sluice conf data
USER sluice
ENV SLUICE_HOST=0.0.0.0
# The container's port is published on purpose, so the demo serves without keys; set SLUICE_AUTH=keys with keys in
# the config (or SLUICE_OPEN_TO_NETWORK=false) to require them.
ENV SLUICE_OPEN_TO_NETWORK=true
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:SharedArchiveFile=/opt/sluice/sluice.jsa", "-Xshare:auto", \
            "-jar", "/opt/sluice/sluice.jar", "--config", "/opt/sluice/conf/sluice.yaml"]
