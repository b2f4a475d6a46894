//go:build sandboxdemo

// ---------------------------------------------------------------------------
// DEMONSTRATION ONLY. This file is compiled in only with -tags sandboxdemo.
//
// /demo/compromise behaves like a handler an attacker has taken over: it
// tries to start /bin/sh, to create a file outside the server's root, and
// to open a connection (to a loopback address only). The generated filter
// was computed for the server without this file, exactly as a real filter
// is computed for the code you ship and not for code injected later, so
// each attempt meets the sandbox. The reply says what happened to each one.
// In enforce mode the first denied syscall kills the process with SIGSYS
// and no reply arrives; in errno mode each attempt fails with EPERM and the
// server goes on serving.
// ---------------------------------------------------------------------------

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

var demoTarget = flag.String("demo-target", "127.0.0.1:9",
	"loopback `address` the demonstration endpoint tries to connect to")

func init() {
	registerDemo = func(mux *http.ServeMux) {
		if ip, _, err := net.SplitHostPort(*demoTarget); err != nil || !net.ParseIP(ip).IsLoopback() {
			log.Fatalf("-demo-target %q: must be a loopback host:port, e.g. 127.0.0.1:9", *demoTarget)
		}
		mux.HandleFunc("GET /demo/compromise", compromise)
		log.Print("DEMO: /demo/compromise is enabled (built with -tags sandboxdemo)")
	}
}

// attempt is what happened to one thing the compromised handler tried.
type attempt struct {
	Action  string `json:"action"`
	Outcome string `json:"outcome"` // "blocked", "failed" or "succeeded"
	Detail  string `json:"detail"`
}

// demoFile is where the compromised handler tries to write: outside the
// static root, in the system's temporary directory.
func demoFile() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("sandboxgen-demo-%d.txt", os.Getpid()))
}

func compromise(w http.ResponseWriter, r *http.Request) {
	actions := map[string]func() attempt{"exec": tryExec, "write": tryWrite, "connect": tryConnect}
	order := []string{"exec", "write", "connect"}
	if a := r.URL.Query().Get("action"); a != "" {
		if actions[a] == nil {
			http.Error(w, "action must be exec, write or connect", http.StatusBadRequest)
			return
		}
		order = []string{a}
	}
	var report []attempt
	for _, name := range order {
		log.Printf("DEMO: compromised handler tries %s", name)
		a := actions[name]()
		log.Printf("DEMO: %s: %s (%s)", a.Action, a.Outcome, a.Detail)
		report = append(report, a)
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(report); err != nil {
		log.Printf("DEMO: %v", err)
	}
}

// outcome classifies err: EPERM is the sandbox's answer in errno mode.
func outcome(action string, err error) attempt {
	switch {
	case err == nil:
		return attempt{action, "succeeded", "the sandbox did not stop it"}
	case errors.Is(err, syscall.EPERM):
		return attempt{action, "blocked", err.Error()}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGSYS {
			return attempt{action, "blocked", "the child was killed by SIGSYS: " + err.Error()}
		}
	}
	return attempt{action, "failed", err.Error()}
}

func tryExec() attempt {
	out, err := exec.Command("/bin/sh", "-c", "echo shell started").CombinedOutput()
	a := outcome("exec /bin/sh", err)
	if err == nil {
		a.Detail += ": " + string(out)
	}
	return a
}

func tryWrite() attempt {
	path := demoFile()
	err := os.WriteFile(path, []byte("written by a compromised handler\n"), 0o600)
	a := outcome("create "+path, err)
	if err == nil {
		// Without the sandbox the file exists now; leave no litter.
		if rerr := os.Remove(path); rerr != nil {
			a.Detail += "; remove: " + rerr.Error()
		}
	}
	return a
}

func tryConnect() attempt {
	c, err := net.DialTimeout("tcp", *demoTarget, 2*time.Second)
	if err == nil {
		c.Close()
	}
	return outcome("connect to "+*demoTarget, err)
}
