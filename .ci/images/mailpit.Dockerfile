# Stand-in for the axllent/mailpit image, which cannot be pulled here: the
# binary `make mailpit` builds (.ci/build-mailpit: the version
# internal/tools/go.mod pins, the one `make run` uses, WITH its inbox UI,
# which a plain `go build` of the module lacks: the inbox would be a blank
# page), on an empty base. Context: a directory that .ci/docker-images makes,
# holding that static binary as `mailpit` and an empty `tmp`.
FROM scratch
COPY mailpit /mailpit
# Mailpit keeps its database in a temporary file: /tmp belongs to its user.
COPY --chown=1000:1000 tmp /tmp
USER 1000:1000
EXPOSE 1025 8025
ENTRYPOINT ["/mailpit"]
