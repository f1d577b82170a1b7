// Command git-http-server serves the Git repositories under a root folder over Git's smart-HTTP
// protocol on loopback, by running the real `git http-backend` as a CGI program through Go's
// standard net/http/cgi host. The test bed and the demo push with the git CLI and the hub clones
// with isomorphic-git from it. Pushes are allowed (http.receivepack) and there is no auth: bind it
// to loopback only.
//
// Usage: git-http-server -listen 127.0.0.1:18080 -root /path/to/repos
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/cgi"
	"os/exec"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18080", "address to listen on (loopback only)")
	root := flag.String("root", "", "folder that holds the bare repositories (<name>.git)")
	flag.Parse()
	if *root == "" {
		log.Fatal("-root is required")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		log.Fatalf("git not found on PATH: %v", err)
	}
	backend := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + *root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.receivepack",
			"GIT_CONFIG_VALUE_0=true",
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("/", backend)
	log.Printf("git smart-HTTP on http://%s serving %s", *listen, *root)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
