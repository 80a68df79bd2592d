# feedpub as a container: a static binary on distroless, run as a non-root
# user. See README.md, "Deploying".
#
#   docker build -t feedpub .
#   docker run -d -p 8080:8080 -v "$PWD/seeds:/seeds:ro" -v feedpub-public:/public feedpub
#
# The Go version of the build stage must be go.mod's (internal/deploy's
# tests check it).
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/feedpub ./cmd/feedpub \
    && mkdir -p /out/seeds /out/public

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedpub /usr/local/bin/feedpub
COPY --from=build --chown=65532:65532 /out/seeds /seeds
COPY --from=build --chown=65532:65532 /out/public /public
USER 65532:65532
WORKDIR /public
VOLUME ["/seeds", "/public"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/feedpub", "healthz", "-addr", "127.0.0.1:8080"]
ENTRYPOINT ["/usr/local/bin/feedpub"]
CMD ["serve", "-seeds", "/seeds", "-addr", "0.0.0.0:8080"]
