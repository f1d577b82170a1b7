// Command chart-server is the test bed's loopback Helm chart repository: a plain static HTTP
// server (Go's net/http.FileServer) for the folder that tests publish charts into with
// `helm package` + `helm repo index`. A chart repository is nothing more than index.yaml and the
// chart archives it names, so any subfolder holding an index.yaml is a repository of its own
// (tests use one subfolder each, so parallel runs never share an index). Read-only over HTTP;
// no auth: bind it to loopback only.
//
// Usage: chart-server -listen 127.0.0.1:18081 -root /path/to/charts
//
// Routes: /charts/<path> serves <root>/<path>; /healthz answers "ok".
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "address to listen on (loopback only)")
	root := flag.String("root", "", "folder served under /charts/")
	flag.Parse()
	if *root == "" {
		log.Fatal("-root is required")
	}
	if err := os.MkdirAll(*root, 0o755); err != nil {
		log.Fatalf("cannot create %s: %v", *root, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("/charts/", http.StripPrefix("/charts/", http.FileServer(http.Dir(*root))))
	srv := &http.Server{Addr: *listen, Handler: logRequests(mux), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("Helm chart repository on http://%s/charts/ serving %s", *listen, *root)
	log.Fatal(srv.ListenAndServe())
}

// logRequests logs each request's method, path and status (the test bed's chart downloads are
// few; the log shows what Helm fetched when a test fails).
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path != "/healthz" {
			log.Printf("%s %s %d", r.Method, r.URL.Path, rec.status)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
