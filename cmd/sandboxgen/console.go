package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// console is the command's stderr: warnings printed once per run, however
// many packages and architectures have them, and, on a terminal, one
// progress line that updates while a slow run works.
type console struct {
	w       io.Writer
	verbose bool

	warnings []*warning

	mu       sync.Mutex
	status   string
	shown    bool // the progress line is on the screen
	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// warning is one warning and where it applies.
type warning struct {
	short, full string
	where       []string
}

// progressDelay is how long a run works before the progress line shows;
// tests shorten it.
var progressDelay = time.Second

// isTerminal reports whether w is a terminal; tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newConsole(w io.Writer, verbose bool) *console {
	c := &console{w: w, verbose: verbose, done: make(chan struct{})}
	// Never in CI or a pipe: a progress line would only litter the log.
	if !verbose && os.Getenv("CI") != "true" && isTerminal(w) {
		c.wg.Add(1)
		go c.loop()
	} else {
		close(c.done)
		c.stopOnce.Do(func() {})
	}
	return c
}

// loop redraws the progress line after progressDelay and whenever the
// status changes.
func (c *console) loop() {
	defer c.wg.Done()
	select {
	case <-c.done:
		return
	case <-time.After(progressDelay):
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		c.mu.Lock()
		if c.status != last || !c.shown {
			fmt.Fprintf(c.w, "\r\033[Ksandboxgen: %s…", c.status)
			c.shown, last = true, c.status
		}
		c.mu.Unlock()
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
	}
}

// Write writes p to the console's writer, clearing the progress line
// first (the next tick draws it again below p).
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shown {
		fmt.Fprint(c.w, "\r\033[K")
		c.shown = false
	}
	return c.w.Write(p)
}

// progress sets what the progress line says.
func (c *console) progress(status string) {
	c.mu.Lock()
	c.status = status
	c.mu.Unlock()
}

// stop ends the progress line and clears it.
func (c *console) stop() {
	c.stopOnce.Do(func() { close(c.done) })
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shown {
		fmt.Fprint(c.w, "\r\033[K")
		c.shown = false
	}
}

// warn records a warning for where (a package and architecture, or "");
// full is the long text, printed with -v ("" when short says it all).
func (c *console) warn(short, full, where string) {
	for _, w := range c.warnings {
		if w.short == short {
			if where != "" && !slices.Contains(w.where, where) {
				w.where = append(w.where, where)
			}
			return
		}
	}
	w := &warning{short: short, full: full}
	if where != "" {
		w.where = []string{where}
	}
	c.warnings = append(c.warnings, w)
}

// flushWarnings prints each warning once.
func (c *console) flushWarnings() {
	for _, w := range c.warnings {
		text := w.short
		if c.verbose && w.full != "" {
			text = w.full
		}
		if len(w.where) > 0 {
			text += " [" + wherePhrase(w.where) + "]"
		}
		fmt.Fprintf(c.w, "sandboxgen: warning: %s\n", text)
	}
	c.warnings = nil
}

// wherePhrase condenses "package linux/arch" entries: "./a, ./b on
// linux/amd64, linux/arm64" when every package has the same architectures,
// else each package with its own.
func wherePhrase(where []string) string {
	var pkgs []string
	arches := map[string][]string{}
	for _, w := range where {
		pkg, arch := w, ""
		if i := strings.LastIndex(w, " "); i >= 0 {
			pkg, arch = w[:i], w[i+1:]
		}
		if _, ok := arches[pkg]; !ok {
			pkgs = append(pkgs, pkg)
		}
		if arch != "" {
			arches[pkg] = append(arches[pkg], arch)
		}
	}
	slices.Sort(pkgs)
	same := true
	for _, p := range pkgs {
		slices.Sort(arches[p])
		same = same && slices.Equal(arches[p], arches[pkgs[0]])
	}
	if same {
		if len(arches[pkgs[0]]) == 0 {
			return strings.Join(pkgs, ", ")
		}
		return strings.Join(pkgs, ", ") + " on " + strings.Join(arches[pkgs[0]], ", ")
	}
	parts := make([]string, len(pkgs))
	for i, p := range pkgs {
		parts[i] = p + " on " + strings.Join(arches[p], ", ")
	}
	return strings.Join(parts, "; ")
}

// shortWarnings are the short forms of the analysis's warnings, by their
// start: what applies and what to do about it. -v and -json give the full
// text.
var shortWarnings = []struct{ prefix, short string }{
	{"exec: ", "exec: programs it starts inherit the filter; pass -exec-child to allow what they need to start"},
	{"cgo: the program links C code", "cgo: the syscalls of C code are not analysed (the runtime's cgo group is added); -allow what C libraries need"},
	{"cgo: linux/", "cgo: other architectures were analysed as cross builds; the host's cgo needs were added for native builds"},
	{"plugin: ", "plugin: plugins are not analysed; -allow what they need"},
	{"reflection: ", "reflection: methods reflect.Value.Call can reach are treated as called"},
}

// shortWarning returns the short form of an analysis warning.
func shortWarning(w string) string {
	for _, s := range shortWarnings {
		if strings.HasPrefix(w, s.prefix) {
			return s.short
		}
	}
	return w
}

// plural returns "1 syscall" or "2 syscalls".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// pluralVerb returns plural(n, noun) with the verb that agrees with it.
func pluralVerb(n int, noun, one, many string) string {
	if n == 1 {
		return plural(n, noun) + " " + one
	}
	return plural(n, noun) + " " + many
}
