package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// durationBuckets are the request duration histograms' buckets, in seconds: 100 us to 10 s.
var durationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// series are the counter and histogram one call counts in.
type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// seriesCache finds the series of a call by a key naming their labels: one map read once the
// key has been seen, instead of the vectors hashing the label values on every call. Its keys
// must be bounded (their method label already is, by a methodSet).
type seriesCache[K comparable] struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	labels   func(K) (requests, duration []string) // the label values of k's series
	known    sync.Map                              // K -> *series
}

// observe counts one call of key k that took d.
func (c *seriesCache[K]) observe(k K, d time.Duration) {
	se := c.get(k)
	se.requests.Inc()
	se.duration.Observe(d.Seconds())
}

func (c *seriesCache[K]) get(k K) *series {
	if v, ok := c.known.Load(k); ok {
		return v.(*series)
	}
	r, d := c.labels(k)
	// Two callers may both get here: the vectors hand both the same children.
	se := &series{requests: c.requests.WithLabelValues(r...), duration: c.duration.WithLabelValues(d...)}
	c.known.Store(k, se)
	return se
}
