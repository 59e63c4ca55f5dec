# The builder base that Dockerfile.api and Dockerfile.worker name, made on
# this machine by .ci/docker-images: no registry is reachable from here. Its
# context holds this machine's Go toolchain (go/) and CA bundle, which has
# the CA of the TLS-intercepting proxy in front of the module proxy.
FROM todo-ci/bookworm:minbase
COPY go /usr/local/go
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ARG GOPROXY
ARG GOSUMDB
ARG GONOSUMDB
ARG GOPRIVATE
ARG GOINSECURE
# As in the official image: GOPATH=/go, the toolchain on PATH, and no
# toolchain downloads behind the build's back.
ENV GOPATH=/go GOTOOLCHAIN=local \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GOPROXY=$GOPROXY GOSUMDB=$GOSUMDB GONOSUMDB=$GONOSUMDB GOPRIVATE=$GOPRIVATE GOINSECURE=$GOINSECURE
WORKDIR /go
