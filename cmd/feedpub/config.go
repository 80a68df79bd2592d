package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"feedpub/feed"
	"feedpub/loader"
)

// defaultConfigFile is read from the working directory when no -config is
// given and it exists.
const defaultConfigFile = "feedpub.yaml"

// defaultTimezone reads dates without a zone when neither the
// configuration nor the site names one.
const defaultTimezone = "Asia/Shanghai"

// fileConfig is the shape of feedpub.yaml.
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
	Limit        int    `yaml:"limit"`
	Seeds        string `yaml:"seeds"`
	Out          string `yaml:"out"`
	Addr         string `yaml:"addr"`
	MaxSize      int64  `yaml:"max_size"`
	ModTimeDates bool   `yaml:"modtime_dates"`
}

// config is everything a command needs, checked and with defaults filled.
type config struct {
	site     feed.Config
	load     loader.Config // load.Site: the site detected around the posts, if any
	schedule cron.Schedule
	spec     string
	out      string
	addr     string
}

// flags every command shares.
type commonFlags struct {
	file, seeds, tz string
	limit           int
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.file, "config", "", "configuration `file` (default ./feedpub.yaml if it exists)")
	fs.StringVar(&c.seeds, "seeds", "", "`folder` of posts (default seeds)")
	fs.StringVar(&c.tz, "timezone", "", "time `zone` for dates written without one (default Asia/Shanghai)")
	fs.IntVar(&c.limit, "limit", 0, "items per feed (default 50)")
}

// newCommand makes a subcommand's flag set with the flags every command
// shares; the command adds its own before calling parse.
func newCommand(name, summary string, stderr io.Writer) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &commonFlags{}
	c.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: feedpub %s [flags]\n\n%s\n", name, summary)
		fs.PrintDefaults()
	}
	return fs, c
}

// parse parses args, reads the configuration file and applies the flags
// over it (override sets the command's own), and checks the result.
func (c *commonFlags) parse(fs *flag.FlagSet, args []string, override func(*fileConfig)) (*config, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
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
	return cfg, nil
}

// loadConfig reads the configuration file, if any, and applies the flags
// that were set over it.
func loadConfig(c *commonFlags, fs *flag.FlagSet) (*fileConfig, error) {
	fc := &fileConfig{Schedule: "@every 1m", Seeds: "seeds", Out: "public", Addr: "127.0.0.1:8080"}
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
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(fc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config: %s: %v", name, err)
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
	return fc, nil
}

// check validates fc and turns it into a config.
func (fc *fileConfig) check() (*config, error) {
	if fc.Timezone == "" {
		fc.Timezone = defaultTimezone
	}
	loc, err := time.LoadLocation(fc.Timezone)
	if err != nil {
		return nil, fmt.Errorf("config: timezone %q: %v", fc.Timezone, err)
	}
	sched, err := parseSchedule(fc.Schedule)
	if err != nil {
		return nil, fmt.Errorf("config: schedule %q: %v", fc.Schedule, err)
	}
	if fc.Limit < 0 {
		return nil, fmt.Errorf("config: limit %d: want a positive number", fc.Limit)
	}
	if fc.MaxSize < 0 {
		return nil, fmt.Errorf("config: max_size %d: want a positive number of bytes", fc.MaxSize)
	}
	site, err := feed.Config{
		Title:       fc.Site.Title,
		Description: fc.Site.Description,
		URL:         fc.Site.URL,
		Language:    fc.Site.Language,
		Author:      fc.Site.Author,
		Limit:       fc.Limit,
		TTL:         period(sched),
		Location:    loc,
	}.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	return &config{
		site:     site,
		load:     loader.Config{Root: fc.Seeds, Location: loc, MaxSize: fc.MaxSize, ModTimeDates: fc.ModTimeDates},
		schedule: sched,
		spec:     fc.Schedule,
		out:      fc.Out,
		addr:     fc.Addr,
	}, nil
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
