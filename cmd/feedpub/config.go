package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"feedpub/feed"
	"feedpub/loader"
)

// defaultConfigFile is read from the working directory when no -config is
// given and it exists.
const defaultConfigFile = "feedpub.yaml"

// defaultTimezone reads dates without a zone when neither the
// configuration nor the site names one.
const defaultTimezone = "Asia/Shanghai"

// fileConfig is the shape of feedpub.yaml. Every key is listed, with its
// default and meaning, in the README's Configuration table.
type fileConfig struct {
	Site struct {
		Title       string `yaml:"title"`
		Description string `yaml:"description"`
		URL         string `yaml:"url"`
		Language    string `yaml:"language"`
		Author      string `yaml:"author"`
	} `yaml:"site"`
	Timezone     string `yaml:"timezone"`
	Schedule     string `yaml:"schedule"`
	BuildTTL     string `yaml:"build_ttl"`
	Limit        int    `yaml:"limit"`
	Seeds        string `yaml:"seeds"`
	Out          string `yaml:"out"`
	Addr         string `yaml:"addr"`
	MaxSize      int64  `yaml:"max_size"`
	ModTimeDates bool   `yaml:"modtime_dates"`
	// UpdatedFromEdits: a post edited without a new updated: field takes
	// the time build first saw the edit as its update (default true).
	UpdatedFromEdits *bool `yaml:"updated_from_edits"`
	// Taxonomies: nil when the file does not say, the default.
	Taxonomies   []string `yaml:"taxonomies"`
	Content      string   `yaml:"content"`
	MaxFeedBytes int      `yaml:"max_feed_bytes"`
	Templates    string   `yaml:"templates"`
	Archives     bool     `yaml:"archives"`
	WebSub       struct {
		Hub string `yaml:"hub"`
	} `yaml:"websub"`
	// Tombstones: how long a removed post's tombstone stays ("30d",
	// "720h"; "0": none); "" for the default.
	Tombstones string `yaml:"tombstones"`
	// PollHints, when the file has the section, gives feeds poll hints
	// learnt from when their posts appear, within min and max.
	PollHints struct {
		Min string `yaml:"min"`
		Max string `yaml:"max"`
	} `yaml:"poll_hints"`

	file  string         // the file read, if any
	lines map[string]int // line of each key the file set ("site.url")
}

// Defaults of the keys that have one of their own.
const (
	defaultSchedule = "@every 1m"
	defaultBuildTTL = "1h"
	defaultSeeds    = "seeds"
	defaultOut      = "public"
	defaultAddr     = "127.0.0.1:8080"
	defaultPollMin  = "5m"
	defaultPollMax  = "6h"
)

// config is everything a command needs, checked and with defaults filled.
type config struct {
	site     feed.Config
	load     loader.Config // load.Site: the site detected around the posts, if any
	schedule cron.Schedule
	spec     string
	buildTTL time.Duration // build's RSS ttl; site.TTL follows the schedule
	out      string
	addr     string
	// editTimes: a post edited without a new updated: field takes the time
	// the edit was first seen as its update (updated_from_edits).
	editTimes bool
}

// flags every command shares.
type commonFlags struct {
	file, seeds, tz string
	limit           int
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.file, "config", "", "configuration `file` (default ./feedpub.yaml if it exists); paths in it are relative to its folder")
	fs.StringVar(&c.seeds, "seeds", "", "`folder` of posts, the same as DIR (default seeds)")
	fs.StringVar(&c.tz, "timezone", "", "time `zone` for dates written without one (default "+defaultTimezone+")")
	fs.Func("limit", fmt.Sprintf("`number` of items per feed, 1 to %d (default %d)", feed.MaxLimit, feed.DefaultLimit), func(s string) (err error) {
		c.limit, err = feed.ParseLimit(s)
		return err
	})
}

// newCommand makes a subcommand's flag set with the flags every command
// shares; the command adds its own before calling parse.
func newCommand(name, summary string, stderr io.Writer) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &commonFlags{}
	c.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\n%s\n\nFlags (before or after DIR):\n", usageLine(name), summary)
		fs.PrintDefaults()
	}
	return fs, c
}

// usageLine is the synopsis of a command that takes a seed folder.
func usageLine(name string) string {
	return "Usage: feedpub " + name + " [flags] [DIR]"
}

// parseArgs parses args: flags, then at most one positional argument, the
// seed folder, then the flags after it. Anything more is a usage error.
func parseArgs(fs *flag.FlagSet, args []string) (dir string, err error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", nil
	}
	dir = fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "feedpub %s: one seed folder at most, got %q and %q\n%s\n", fs.Name(), dir, fs.Arg(0), usageLine(fs.Name()))
		return "", exitError(2)
	}
	return dir, nil
}

// parseFlags parses args with fs. A bad flag is exit status 2: the flag
// package has printed what is wrong, and the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return exitError(2)
	}
	return err
}

// parse parses args, reads the configuration file and applies the flags
// over it (override sets the command's own), and checks the result.
func (c *commonFlags) parse(fs *flag.FlagSet, args []string, override func(*fileConfig)) (*config, error) {
	dir, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if c.seeds != "" && c.seeds != dir {
			fmt.Fprintf(fs.Output(), "feedpub %s: two seed folders, %q and -seeds %q: give one\n%s\n", fs.Name(), dir, c.seeds, usageLine(fs.Name()))
			return nil, exitError(2)
		}
		c.seeds = dir
	}
	fc, err := loadConfig(c, fs)
	if err != nil {
		return nil, err
	}
	if override != nil {
		override(fc)
	}
	site, err := detectSite(fc)
	if err != nil {
		return nil, err
	}
	cfg, err := fc.check()
	if err != nil {
		return nil, err
	}
	cfg.load.Site = site
	if err := checkSeeds(cfg.load.Root); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkSeeds says what is wrong with a seed folder that is not there.
func checkSeeds(root string) error {
	fi, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("seed folder %s does not exist: give the folder of posts as DIR or -seeds", root)
	case err != nil:
		return fmt.Errorf("seed folder: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("seed folder %s is not a folder", root)
	}
	return nil
}

// loadConfig reads the configuration file, if any, and applies the flags
// that were set over it. Paths in the file are relative to its folder.
func loadConfig(c *commonFlags, fs *flag.FlagSet) (*fileConfig, error) {
	fc := &fileConfig{Schedule: defaultSchedule, BuildTTL: defaultBuildTTL, Limit: feed.DefaultLimit,
		Seeds: defaultSeeds, Out: defaultOut, Addr: defaultAddr}
	name := c.file
	if name == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			name = defaultConfigFile
		}
	}
	if name != "" {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := fc.decode(name, data); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		for _, p := range []*string{&fc.Seeds, &fc.Out, &fc.Templates} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(filepath.Dir(name), *p)
			}
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "seeds":
			fc.Seeds = c.seeds
		case "timezone":
			fc.Timezone = c.tz
		case "limit":
			fc.Limit = c.limit
		}
	})
	if c.seeds != "" { // DIR, which sets no flag
		fc.Seeds = c.seeds
	}
	return fc, nil
}

// at is where the file set key ("file:line: "), or "" when it did not.
func (fc *fileConfig) at(key string) string {
	if line, ok := fc.lines[key]; ok {
		return fmt.Sprintf("%s:%d: ", fc.file, line)
	}
	return ""
}

// check validates fc and turns it into a config. A key that is empty and
// was not set by the file takes its default (loadConfig sets them all).
func (fc *fileConfig) check() (*config, error) {
	fc.fillDefaults()
	loc, err := time.LoadLocation(fc.Timezone)
	if err != nil {
		return nil, fmt.Errorf("config: %stimezone %q: %w", fc.at("timezone"), fc.Timezone, err)
	}
	sched, err := parseSchedule(fc.Schedule)
	if err != nil {
		return nil, fmt.Errorf("config: %sschedule %q: %w", fc.at("schedule"), fc.Schedule, err)
	}
	ttl, err := time.ParseDuration(fc.BuildTTL)
	if err != nil || ttl < time.Minute {
		return nil, fmt.Errorf("config: %sbuild_ttl %q: want a duration of a minute or more, such as 30m or 2h", fc.at("build_ttl"), fc.BuildTTL)
	}
	tombstones, err := fc.tombstones()
	if err != nil {
		return nil, err
	}
	if _, err := feed.ParseLimit(strconv.Itoa(fc.Limit)); err != nil {
		return nil, fmt.Errorf("config: %s%w", fc.at("limit"), err)
	}
	if fc.MaxSize < 0 {
		return nil, fmt.Errorf("config: %smax_size %d: want a positive number of bytes", fc.at("max_size"), fc.MaxSize)
	}
	hints, err := fc.pollHints()
	if err != nil {
		return nil, err
	}
	for _, k := range []struct {
		key string
		cfg feed.Config
	}{
		{"poll_hints", feed.Config{PollHints: hints}},
		{"taxonomies", feed.Config{Taxonomies: fc.Taxonomies}},
		{"content", feed.Config{Content: fc.Content}},
		{"max_feed_bytes", feed.Config{MaxFeedBytes: fc.MaxFeedBytes}},
		{"websub.hub", feed.Config{Hub: fc.WebSub.Hub}},
	} {
		if _, err := k.cfg.WithDefaults(); err != nil {
			return nil, fmt.Errorf("config: %s%w", fc.at(k.key), err)
		}
	}
	site, err := feed.Config{
		Title:        fc.Site.Title,
		Description:  fc.Site.Description,
		URL:          fc.Site.URL,
		Language:     fc.Site.Language,
		Author:       fc.Site.Author,
		Limit:        fc.Limit,
		TTL:          period(sched),
		Location:     loc,
		Taxonomies:   fc.Taxonomies,
		Content:      fc.Content,
		MaxFeedBytes: fc.MaxFeedBytes,
		Hub:          fc.WebSub.Hub,
		Archives:     fc.Archives,
		Tombstones:   tombstones,
		PollHints:    hints,
	}.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("config: %s%w", fc.at("site.url"), err)
	}
	if err := fc.templates(&site); err != nil {
		return nil, err
	}
	return &config{
		site:      site,
		load:      loader.Config{Root: fc.Seeds, Location: loc, MaxSize: fc.MaxSize, ModTimeDates: fc.ModTimeDates},
		schedule:  sched,
		spec:      fc.Schedule,
		buildTTL:  ttl,
		out:       fc.Out,
		addr:      fc.Addr,
		editTimes: fc.UpdatedFromEdits == nil || *fc.UpdatedFromEdits,
	}, nil
}

// fillDefaults gives the keys that are empty and were not set by the file
// their defaults.
func (fc *fileConfig) fillDefaults() {
	if fc.Timezone == "" {
		fc.Timezone = defaultTimezone
	}
	if fc.BuildTTL == "" && fc.at("build_ttl") == "" {
		fc.BuildTTL = defaultBuildTTL
	}
	if fc.Limit == 0 && fc.at("limit") == "" {
		fc.Limit = feed.DefaultLimit
	}
}

// templates sets site's templates from the templates key, if set, and
// tries them: a wrong one stops here.
func (fc *fileConfig) templates(site *feed.Config) error {
	if fc.Templates == "" {
		return nil
	}
	if fi, err := os.Stat(fc.Templates); err != nil || !fi.IsDir() {
		return fmt.Errorf("config: %stemplates %s: want a folder of templates", fc.at("templates"), fc.Templates)
	}
	site.Templates = os.DirFS(fc.Templates)
	if _, err := feed.NewBuilder(*site); err != nil { // parses and tries them
		return fmt.Errorf("config: %s%s: %w", fc.at("templates"), fc.Templates, err)
	}
	return nil
}

// tombstones reads the tombstones key: a Go duration or a number of days
// ("30d"), 0 for none (feed.Config.Tombstones: negative); "" is the
// default.
func (fc *fileConfig) tombstones() (time.Duration, error) {
	s := fc.Tombstones
	if s == "" {
		return feed.DefaultTombstones, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	switch {
	case err != nil || d < 0:
		return 0, fmt.Errorf("config: %stombstones %q: want a duration such as 30d or 720h, or 0 for none", fc.at("tombstones"), s)
	case d == 0:
		return -1, nil
	}
	return d, nil
}

// pollHints reads the poll_hints section: none when the file has none.
func (fc *fileConfig) pollHints() (feed.PollHints, error) {
	var h feed.PollHints
	if fc.at("poll_hints") == "" {
		return h, nil
	}
	for _, k := range []struct {
		key, val, def string
		dst           *time.Duration
	}{{"min", fc.PollHints.Min, defaultPollMin, &h.Min}, {"max", fc.PollHints.Max, defaultPollMax, &h.Max}} {
		if k.val == "" {
			k.val = k.def
		}
		d, err := time.ParseDuration(k.val)
		if err != nil || d <= 0 {
			return h, fmt.Errorf("config: %spoll_hints.%s %q: want a duration such as %s", fc.at("poll_hints."+k.key), k.key, k.val, k.def)
		}
		*k.dst = d
	}
	return h, nil
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses a cron spec; robfig/cron panics on some malformed
// specs (CRON_TZ=X alone), so it runs under recover.
func parseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("malformed spec")
		}
	}()
	if spec == "" {
		return nil, errors.New("empty spec")
	}
	return cronParser.Parse(spec)
}

// period is the time between two runs of a schedule, measured from a fixed
// date so that it is the same on every run: RSS ttl and Cache-Control use it.
func period(s cron.Schedule) time.Duration {
	t0 := s.Next(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	d := s.Next(t0).Sub(t0)
	if d < time.Second {
		d = time.Second
	}
	return d
}

// detectSite finds the configuration of the site (Hexo, Hugo, Jekyll)
// whose folder holds the posts, and fills from it what feedpub.yaml and
// the flags left unset: the site's address, title, description, author,
// language and time zone. It returns nil for a plain folder of posts.
func detectSite(fc *fileConfig) (*loader.Site, error) {
	site, err := loader.DetectSite(fc.Seeds)
	if err != nil || site == nil {
		return nil, err
	}
	for _, f := range []struct {
		dst *string
		val string
	}{
		{&fc.Site.URL, site.URL},
		{&fc.Site.Title, site.Title},
		{&fc.Site.Description, site.Description},
		{&fc.Site.Author, site.Author},
		{&fc.Site.Language, site.Language},
		{&fc.Timezone, site.TimeZone},
	} {
		if *f.dst == "" {
			*f.dst = f.val
		}
	}
	return site, nil
}
