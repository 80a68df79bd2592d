// Command feedpub publishes a folder of posts as RSS, Atom and JSON feeds:
// all posts and one feed per category.
//
//	feedpub build [-seeds DIR] [-out DIR] [-config FILE]   write the feeds once
//	feedpub serve [-seeds DIR] [-addr HOST:PORT] ...       serve them, live
//	feedpub check [-seeds DIR]                             list problems
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // Asia/Shanghai must load on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "feedpub:", err)
			os.Exit(2)
		}
		os.Exit(int(ee))
	}
}

// exitError ends the program with a status and no further message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `feedpub publishes a folder of posts as RSS, Atom and JSON feeds.

Usage:
  feedpub build [-seeds DIR] [-out DIR] [-config FILE] [-strict]   write the feeds and pages once
  feedpub serve [-seeds DIR] [-addr HOST:PORT] [-config FILE]      serve them and keep them current
  feedpub check [-seeds DIR] [-config FILE]                        print each problem as path:line: message
  feedpub gen -n N -out DIR                                         write N synthetic posts for benchmarks
  feedpub healthz [-addr HOST:PORT]                                 exit 0 if a running serve is healthy (for HEALTHCHECK)

Run 'feedpub COMMAND -h' for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"build":   runBuild,
		"serve":   runServe,
		"check":   runCheck,
		"gen":     runGen,
		"healthz": runHealthz,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return nil
		}
		fmt.Fprintf(stderr, "feedpub: unknown command %q\n\n%s", args[0], usage)
		return exitError(2)
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
