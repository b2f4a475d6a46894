package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sandboxgen/sandboxgen/analyzer"
)

// console is the command's stderr: warnings printed once per run, however
// many packages and architectures have them, and, on a terminal, one
// progress line that updates while a slow run works.
type console struct {
	w       io.Writer
	verbose bool

	warnings []*warning

	// runStart and phaseStart time the run and its current phase for -v.
	runStart, phaseStart time.Time

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
	{"cgo: the program links C code only through the standard library", "cgo: only the standard library's C code is linked; its glibc needs are added (NSS modules are not analysed)"},
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

// The console is also the pipeline's one reporter: the steps return what
// they made, and these methods say it (the phase timings, the per-program
// lines and the skipped packages with -v or always, the warnings once at
// the end).

// startRun starts the clocks of the run and of its first phase.
func (c *console) startRun() {
	c.runStart = time.Now()
	c.phaseStart = c.runStart
}

// phaseDone prints, with -v, how long the phase that ends now took, and
// starts the next one.
func (c *console) phaseDone(format string, args ...any) {
	if c.verbose {
		fmt.Fprintf(c, "sandboxgen: %-40s %8.1f ms\n", fmt.Sprintf(format, args...), float64(time.Since(c.phaseStart).Microseconds())/1000)
	}
	c.phaseStart = time.Now()
}

// runDone prints, with -v, how long the whole run took.
func (c *console) runDone() {
	if c.verbose {
		fmt.Fprintf(c, "sandboxgen: %-40s %8.1f ms\n", "total", float64(time.Since(c.runStart).Microseconds())/1000)
	}
}

// toolchainMismatch warns, at once, that the go command on PATH is not the
// toolchain sandboxgen was built with ("" when they agree).
func (c *console) toolchainMismatch(mismatch string) {
	if mismatch != "" {
		fmt.Fprintf(c, "sandboxgen: warning: %s\n", mismatch)
	}
}

// skipped says which listed main packages get no files because they
// never lock.
func (c *console) skipped(pkgs []string) {
	if len(pkgs) == 0 {
		return
	}
	fmt.Fprintf(c, "sandboxgen: skipped %s that never %s selfsandbox.Lock: %s (name a package without ... to generate its files anyway)\n",
		plural(len(pkgs), "main package"), map[bool]string{true: "calls", false: "call"}[len(pkgs) == 1], strings.Join(pkgs, ", "))
}

// analysed reports one analysed program: with -v its figures and its
// pruning, and its warnings, which print once at the end. where names
// the package and architecture in them.
func (c *console) analysed(prog *analyzer.Program, pl *plan, where string) {
	arch := prog.GOARCH
	if c.verbose {
		fmt.Fprintf(c, "sandboxgen:   %s linux/%s: %d packages, %s; load %v, ssa %v, callgraph %v, syscalls %v\n",
			prog.PkgPath, arch, prog.Packages, plural(len(prog.Syscalls), "syscall"), ms(prog.Timings.Load), ms(prog.Timings.SSA), ms(prog.Timings.CallGraph), ms(prog.Timings.Syscalls))
		if prog.Pruning.Applied {
			fmt.Fprintf(c, "sandboxgen:   %s linux/%s: %s needed only before Lock (%s) left out\n", prog.PkgPath, arch, plural(len(prog.Pruned), "syscall"), prog.Pruning.LockAt)
		} else {
			fmt.Fprintf(c, "sandboxgen:   %s linux/%s: nothing pruned: %s\n", prog.PkgPath, arch, prog.Pruning.Reason)
		}
		for _, note := range prog.RuleNotes {
			fmt.Fprintf(c, "sandboxgen:   %s linux/%s: argument rules: %s\n", prog.PkgPath, arch, note)
		}
	}
	for _, w := range prog.Warnings {
		c.warn(shortWarning(w), w, where)
	}
	if !prog.Pruning.Applied && !pl.opts.noPrune && pl.pkg.Locks {
		c.warn(fmt.Sprintf("pruning: %s, so the syscalls the program makes only before Lock stay allowed; call selfsandbox.Lock once, directly in main.main (not in a loop, a goroutine or another function), to leave them out", prog.Pruning.Reason),
			"", where)
	}
}
