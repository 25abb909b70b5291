// A job that pushes with Debian's client_golang, the way Go users do:
//
//	pusher URL push|add|delete USER PASSWORD
//
// push is Pusher.Push (PUT), add is Pusher.Add (POST), delete is Pusher.Delete. The
// grouping key holds a '/' (client_golang then sends it base64-encoded) and the
// credentials go as HTTP basic auth. Built offline by tests/e2e/test_real_clients.py.
package main

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: pusher URL push|add|delete USER PASSWORD")
		os.Exit(2)
	}
	url, mode, user, password := os.Args[1], os.Args[2], os.Args[3], os.Args[4]

	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "go_jobs_total", Help: "Jobs done.",
	}, []string{"queue"})
	jobs.WithLabelValues("q1").Add(3)
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "go_latency_seconds", Help: "Latency.", Buckets: []float64{0.1, 1},
	})
	for _, v := range []float64{0.05, 0.5, 2} {
		latency.Observe(v)
	}
	size := prometheus.NewSummary(prometheus.SummaryOpts{
		Name: "go_size_bytes", Help: "Sizes.", Objectives: map[float64]float64{0.5: 0.05},
	})
	size.Observe(10)
	size.Observe(20)
	last := prometheus.NewGauge(prometheus.GaugeOpts{Name: "go_last_value", Help: "Last."})
	last.Set(7)

	pusher := push.New(url, "gojob").
		Grouping("path", "a/b").
		BasicAuth(user, password).
		Collector(jobs).Collector(latency).Collector(size).Collector(last)
	var err error
	switch mode {
	case "push":
		err = pusher.Push()
	case "add":
		err = pusher.Add()
	case "delete":
		err = pusher.Delete()
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
