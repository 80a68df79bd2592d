// Package deploy holds what operators deploy feedpub with, beside the
// top-level Dockerfile: systemd units (feedpub.service for serve,
// feedpub-build.service and .timer for build) and an nginx server block
// for build's output (nginx.conf). Its tests check them with the tools
// that run them: systemd-analyze, nginx, and a parse of the Dockerfile.
package deploy
