# Stand-in for the axllent/mailpit image, which cannot be pulled here: the
# same program at the version internal/tools/go.mod pins (the one `make run`
# uses), on an empty base. Context: internal/tools.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum tools.go ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mailpit github.com/axllent/mailpit \
    && mkdir /out/tmp

FROM scratch
COPY --from=build /out/mailpit /mailpit
# Mailpit keeps its database in a temporary file: /tmp belongs to its user.
COPY --from=build --chown=1000:1000 /out/tmp /tmp
USER 1000:1000
EXPOSE 1025 8025
ENTRYPOINT ["/mailpit"]
