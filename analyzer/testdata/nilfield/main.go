// Command nilfield finishes requests whose optional parts are pointer
// fields tested against nil, as net/http's response.finishRequest tests
// req.MultipartForm:
//   - request.form is set only by parseForm, which nothing calls, and
//     copied by clone (through cloneForm, which returns nil for nil): the
//     branch that removes a form (getpgid) cannot run;
//   - request.trace is set by enableTrace, which main calls: flushing it
//     (getppid) runs;
//   - config.Hook is never assigned in the code, but encoding/json sets
//     it from the input by reflection: firing it (getpriority) runs.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

type request struct {
	form  *form
	trace *tracer
}

type form struct{ files []string }

// removeAll is what finish does for a parsed form.
func (f *form) removeAll() { fmt.Fprintln(os.Stderr, "removed", len(f.files), pgid()) }

type tracer struct{ lines int }

func (t *tracer) flush() { fmt.Fprintln(os.Stderr, "flushed", t.lines, syscall.Getppid()) }

// parseForm is the only code that sets form; nothing calls it.
func (r *request) parseForm() { r.form = &form{files: []string{"upload"}} }

func (r *request) enableTrace() { r.trace = &tracer{lines: 1} }

// clone copies r, with a copy of its form.
func (r *request) clone() *request {
	r2 := new(request)
	*r2 = *r
	r2.form = cloneForm(r.form)
	return r2
}

func cloneForm(f *form) *form {
	if f == nil {
		return nil
	}
	return &form{files: append([]string(nil), f.files...)}
}

func (r *request) finish() {
	if r.form != nil {
		r.form.removeAll()
	}
	if r.trace != nil {
		r.trace.flush()
	}
}

type config struct {
	Name string
	Hook *hook
}

type hook struct{ Target string }

func (h *hook) fire() { fmt.Fprintln(os.Stderr, "hook", h.Target, priority()) }

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	r := &request{}
	r.enableTrace()
	r.clone().finish()
	r.finish()

	var c config
	if err := json.Unmarshal([]byte(`{"Name":"x","Hook":{"Target":"t"}}`), &c); err != nil {
		panic(err)
	}
	if c.Hook != nil {
		c.Hook.fire()
	}
	fmt.Println("ok")
}

func pgid() int {
	id, _ := syscall.Getpgid(0)
	return id
}

func priority() int {
	p, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	return p
}
