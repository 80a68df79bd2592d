// Command feedpub publishes a folder of posts as RSS, Atom and JSON feeds:
// all posts and one feed per category.
//
//	feedpub build [flags] [DIR]   write the feeds once
//	feedpub serve [flags] [DIR]   serve them, live
//	feedpub check [flags] [DIR]   list problems
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	_ "time/tzdata" // Asia/Shanghai must load on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopTrace, err := startTrace()
	if err == nil {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stopTrace()
	}
	stop()
	if err != nil {
		var ee exitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "feedpub:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is the status run's error ends the program with: its own for
// an exitError, 2 for any other error (a bad flag, configuration or
// folder), 0 for none.
func exitCode(err error) int {
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	}
	return 2
}

// exitError ends the program with a status and no further message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `feedpub publishes a folder of posts as RSS, Atom and JSON feeds.

Usage:
  feedpub build [flags] [DIR]     write the feeds and pages of DIR once (default: seeds)
  feedpub serve [flags] [DIR]     serve them and keep them current
  feedpub check [flags] [DIR]     print each problem as path:line: message
  feedpub gen -n N -out DIR       write N synthetic posts for benchmarks
  feedpub healthz [-addr HOST:PORT]  exit 0 if a running serve is healthy (a HEALTHCHECK)
  feedpub version                 print the version, commit and Go version
  feedpub help [COMMAND]          print this, or a command's flags

Run 'feedpub COMMAND -h' for a command's flags.
`

// commands are the subcommands by name.
var commands = map[string]func(context.Context, []string, io.Writer, io.Writer) error{
	"build":   runBuild,
	"serve":   runServe,
	"check":   runCheck,
	"gen":     runGen,
	"healthz": runHealthz,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(rest) > 0 {
			cmd, ok := commands[rest[0]]
			if !ok || len(rest) > 1 {
				fmt.Fprintf(stderr, "feedpub help: no command %q\n\n%s", strings.Join(rest, " "), usage)
				return exitError(2)
			}
			// The command's usage, on stdout: it was asked for.
			if err := cmd(ctx, []string{"-h"}, stdout, stdout); !errors.Is(err, flag.ErrHelp) {
				return err
			}
			return nil
		}
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "feedpub: unknown command %q\n\n%s", name, usage)
		return exitError(2)
	}
	err := cmd(ctx, rest, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// versionLine is the binary's version, commit and Go version, from its
// build information: "feedpub v1.2.0 (commit 734f56d, 2026-11-30) go1.26.8".
// A binary built from a checkout with changes says so.
func versionLine() string {
	version, commit, when, dirty, goVersion := "(devel)", "", "", false, runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value[:min(12, len(s.Value))]
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "feedpub " + version
	switch {
	case commit == "":
		line += " (commit unknown)"
	case dirty:
		line += " (commit " + commit + " with local changes, " + when + ")"
	default:
		line += " (commit " + commit + ", " + when + ")"
	}
	return line + " " + goVersion
}
