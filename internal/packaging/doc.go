// Package packaging holds no code of its own. Its tests prove what can be
// proved about the release images on a machine without a Docker engine: they
// build each binary from exactly the files .dockerignore lets into the
// context, through the same .ci/build-binary script the Dockerfiles run; they
// check that the result is statically linked; they run it as the image's
// non-root UID in an empty root directory; and they check the Dockerfiles,
// docker-compose.yml and docs/deployment against the config structs.
// docs/packaging.md says what this does and does not verify.
package packaging
