package feedhttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"feedpub/feed"
)

// A class groups request paths for metrics, so that the number of series
// stays small whatever paths clients ask for.
type class int

const (
	classFeed    class = iota // a feed's prepared bytes
	classQuery                // a feed with query parameters
	classPage                 // index, feed pages
	classPost                 // post pages
	classOPML                 // the OPML list
	classAsset                // the stylesheet
	classHealth               // /healthz
	classMetrics              // /metrics
	classOther                // unknown paths, bad methods
	nClasses
)

var classNames = [nClasses]string{"feed", "feed_query", "page", "post", "opml", "asset", "health", "metrics", "other"}

func (c class) String() string { return classNames[c] }

// classOf tells the class of a path of the Site.
func classOf(p string) class {
	switch feed.KindOf(p) {
	case feed.KindOPML:
		return classOPML
	case feed.KindAsset:
		return classAsset
	case feed.KindPost:
		return classPost
	case feed.KindPage:
		return classPage
	case feed.KindFeed:
		return classFeed
	}
	return classOther
}

// commonCodes are the statuses whose counters are resolved in advance, so
// that counting a request is one atomic add.
var commonCodes = [...]int{200, 206, 301, 304, 400, 404, 405, 414, 416, 500, 503}

// Metrics are the server's Prometheus metrics, in a registry of their own
// (no global state): requests by path class and status, bytes sent, and
// rebuilds.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	fast     [nClasses][len(commonCodes)]prometheus.Counter
	fastB    [nClasses]prometheus.Counter

	rebuilds        prometheus.Counter
	rebuildErrors   prometheus.Counter
	rebuildDuration prometheus.Histogram
	postsLoaded     prometheus.Gauge
	postsRejected   prometheus.Gauge
	lastSuccess     prometheus.Gauge
	queryCache      prometheus.Gauge
	queryHits       *prometheus.CounterVec
	websubPublished prometheus.Counter
	websubErrors    prometheus.Counter
	websubDropped   prometheus.Counter
}

// NewMetrics makes the metrics and their registry, with the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_http_requests_total", Help: "HTTP requests by path class and status code.",
		}, []string{"class", "code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_http_response_bytes_total", Help: "Bytes of response bodies sent, by path class.",
		}, []string{"class"}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedpub_rebuilds_total", Help: "Rebuilds attempted.",
		}),
		rebuildErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedpub_rebuild_errors_total", Help: "Rebuilds that failed (the last good feeds stayed).",
		}),
		rebuildDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "feedpub_rebuild_duration_seconds", Help: "Time a rebuild took: scan, build, compress.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}),
		postsLoaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_posts_loaded", Help: "Posts published by the last successful rebuild.",
		}),
		postsRejected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_posts_rejected", Help: "Files rejected by the last successful rebuild.",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_last_rebuild_success_timestamp_seconds", Help: "Unix time of the last successful rebuild.",
		}),
		queryCache: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_query_cache_bytes", Help: "Bytes of filtered feeds (?filter=, ?limit=, ...) kept for the served site.",
		}),
		queryHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_query_cache_requests_total", Help: "Requests for filtered feeds and converted pages, by whether they were kept (hit) or made (miss).",
		}, []string{"result"}),
		websubPublished: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedpub_websub_published_total", Help: "Changed feeds the WebSub hub was told of.",
		}),
		websubErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedpub_websub_errors_total", Help: "WebSub publish requests that failed (each try).",
		}),
		websubDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedpub_websub_dropped_total", Help: "Changed feeds the WebSub hub was not told of, after every retry.",
		}),
	}
	m.reg.MustRegister(m.requests, m.bytes, m.rebuilds, m.rebuildErrors, m.rebuildDuration,
		m.postsLoaded, m.postsRejected, m.lastSuccess, m.queryCache, m.queryHits, m.websubPublished, m.websubErrors, m.websubDropped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for c := range nClasses {
		for i, code := range commonCodes {
			m.fast[c][i] = m.requests.WithLabelValues(c.String(), strconv.Itoa(code))
		}
		m.fastB[c] = m.bytes.WithLabelValues(c.String())
	}
	return m
}

// Registry is where the metrics are registered, for tests and for adding
// more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format; its own
// requests are counted too.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m.count(classMetrics, h)
}

// HealthHandler wraps a health check so that its requests are counted.
func (m *Metrics) HealthHandler(h http.Handler) http.Handler { return m.count(classHealth, h) }

// count wraps h so that its requests are counted under class c.
func (m *Metrics) count(c class, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		m.request(c, sw.status, sw.bytes)
	})
}

func (m *Metrics) request(c class, code int, n int64) {
	m.counter(c, code).Inc()
	if n > 0 {
		m.fastB[c].Add(float64(n))
	}
}

func (m *Metrics) counter(c class, code int) prometheus.Counter {
	for i, cc := range commonCodes {
		if cc == code {
			return m.fast[c][i]
		}
	}
	return m.requests.WithLabelValues(c.String(), strconv.Itoa(code))
}

// Rebuild records one rebuild: how long it took, whether it failed, and
// for a success the posts published and rejected.
func (m *Metrics) Rebuild(d time.Duration, err error, posts, rejected int, at time.Time) {
	m.rebuilds.Inc()
	m.rebuildDuration.Observe(d.Seconds())
	if err != nil {
		m.rebuildErrors.Inc()
		return
	}
	m.postsLoaded.Set(float64(posts))
	m.postsRejected.Set(float64(rejected))
	m.lastSuccess.Set(float64(at.UnixNano()) / 1e9)
}

// queryCacheBytes records the bytes of filtered feeds kept.
func (m *Metrics) queryCacheBytes(n int64) { m.queryCache.Set(float64(n)) }

// queryCacheHit counts a request for a filtered feed or converted page:
// kept, or made now.
func (m *Metrics) queryCacheHit(hit bool) {
	if hit {
		m.queryHits.WithLabelValues("hit").Inc()
	} else {
		m.queryHits.WithLabelValues("miss").Inc()
	}
}

// newQueryCache is a query cache whose bytes and hits h's Metrics count.
func (h *Handler) newQueryCache() *queryCache {
	if h.Metrics == nil {
		return newQueryCache(nil)
	}
	c := newQueryCache(h.Metrics.queryCacheBytes)
	c.hit = h.Metrics.queryCacheHit
	return c
}
