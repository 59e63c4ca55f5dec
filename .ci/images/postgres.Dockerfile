# Stand-in for the postgres:16 image, which cannot be pulled here: Debian's
# PostgreSQL 15 on todo-ci/bookworm:minbase (made by .ci/docker-images), with
# an entry point that honours what docker-compose.yml uses of the official
# image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, the data directory
# /var/lib/postgresql/data, and pg_isready on PATH.
FROM todo-ci/bookworm:minbase
# No cluster from the package: the entry point creates one in the volume.
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
    && apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         -o Dpkg::Options::=--force-confold postgresql-15 >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
