package gateway

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

//go:embed status.html
var statusHTML string

var statusPage = template.Must(template.New("status").Parse(statusHTML))

// AdminHandler returns the admin listener's handler: /healthz (the process serves), /readyz
// (every pool has a backend up, healthy or slow-starting; 503 naming the pools that have none), /status (a live HTML page
// updated by server-sent events from /status/events, with no external assets), /status.json,
// POST /reload (when Admin.Reload is set: re-reads the file, 200 or 422 with the errors), and
// the handlers of Options.Admin.
func (g *Gateway) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", g.readyz)
	mux.HandleFunc("GET /status.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(g.Status())
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		statusPage.Execute(w, g.Status())
	})
	mux.HandleFunc("GET /status/events", g.statusEvents)
	mux.HandleFunc("POST /reload", g.reloadHandler)
	for path, h := range g.opts.Admin {
		mux.Handle(path, h)
	}
	return mux
}

func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	var down []string
	for _, p := range g.Status().Pools {
		up := false
		for _, e := range p.Stats.Endpoints {
			up = up || e.State.Up()
		}
		if !up {
			down = append(down, p.Name)
		}
	}
	if len(down) > 0 {
		http.Error(w, fmt.Sprintf("no routable backend in pools %v", down), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

func (g *Gateway) reloadHandler(w http.ResponseWriter, r *http.Request) {
	if !g.Config().Admin.Reload {
		http.Error(w, "gateway: reload over the admin listener is off (admin.reload)", http.StatusForbidden)
		return
	}
	err := g.Reload()
	var ce ConfigErrors
	switch {
	case err == nil:
		fmt.Fprintln(w, "reloaded")
	case errors.As(err, &ce):
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// statusEvents streams the status as server-sent events, one a second, for at most ten minutes
// (the page's EventSource reconnects).
func (g *Gateway) statusEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	t := time.NewTicker(time.Second)
	defer t.Stop()
	end := time.After(10 * time.Minute)
	for {
		rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		b, _ := json.Marshal(g.Status())
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-end:
			return
		case <-t.C:
		}
	}
}
