package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// envJobs names the environment variable that sets how many
// architectures the command analyses at once.
const envJobs = "SANDBOXGEN_JOBS"

// analysisMemory estimates the peak memory of one cold analysis of
// programs whose import closures have packages packages in all (shared
// packages counted once per program, so an overestimate for several).
// Measured on a 2-core VM (scripts/analysis-bench.sh): 194 packages (the
// example web server) peak at about 750 MiB, 251 (analyzer/testdata/bigprog)
// at about 1 GiB, 314 (a gRPC and HTTP server) at about 1.3 GiB: about
// 4 MiB a package. The estimate allows 4.5 MiB a package and 200 MiB more.
func analysisMemory(packages int) uint64 {
	return 200<<20 + uint64(packages)*(9<<19)
}

// analysisJobs returns how many of lanes (the architectures to analyse)
// run at once, each estimated to need laneMemory at its peak. One analysis
// keeps about 1.4 cores busy (its serial call graph phases beside the type
// checker's and the SSA builder's parallel ones), so a second architecture
// beside it finishes sooner than after it, on any machine with two cores
// or more; but each holds its own program in memory. So they run at once
// only when the machine has a core and laneMemory for each (the memory the
// kernel reports available, within the memory cgroup's limit; where there
// is no such reading, outside Linux, one at a time), and one after the
// other when GOMEMLIMIT bounds the heap (the user asked for less memory,
// not for speed). SANDBOXGEN_JOBS=N decides instead: 1 for one
// after the other.
func analysisJobs(lanes int, laneMemory uint64) (int, error) {
	if v := os.Getenv(envJobs); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, usageErrorf("%s=%q: give the number of architectures to analyse at once (1 or more), or unset it to let sandboxgen decide from the cores and memory", envJobs, v)
		}
		return max(1, min(n, lanes)), nil
	}
	if lanes < 2 || os.Getenv("GOMEMLIMIT") != "" {
		return 1, nil
	}
	jobs := min(lanes, runtime.GOMAXPROCS(0))
	if avail, ok := availableMemory(); ok && laneMemory > 0 {
		jobs = min(jobs, int(avail/laneMemory))
	} else {
		jobs = 1
	}
	return max(1, jobs), nil
}

// availableMemory returns the memory the kernel can give the process
// without swapping: MemAvailable, less when the process's memory cgroup
// (v2 or v1) has a limit closer to its usage.
func availableMemory() (uint64, bool) {
	avail, ok := memAvailable()
	if !ok {
		return 0, false
	}
	if room, ok := cgroupRoom(); ok && room < avail {
		avail = room
	}
	return avail, true
}

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable() (uint64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kib, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib << 10, err == nil
		}
	}
	return 0, false
}

// cgroupRoom returns the limit of the process's memory cgroup less its
// usage, when there is a limit.
func cgroupRoom() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		// "0::/path" (v2) or "N:memory:/path" (v1; also "N:cpu,memory:/path").
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir := filepath.Join("/sys/fs/cgroup", parts[2])
			limitFile, usageFile = filepath.Join(dir, "memory.max"), filepath.Join(dir, "memory.current")
		case containsField(parts[1], "memory"):
			dir := filepath.Join("/sys/fs/cgroup/memory", parts[2])
			limitFile, usageFile = filepath.Join(dir, "memory.limit_in_bytes"), filepath.Join(dir, "memory.usage_in_bytes")
		default:
			continue
		}
		limit, ok1 := readUint(limitFile)
		usage, ok2 := readUint(usageFile)
		if !ok1 || !ok2 {
			continue // "max", or a hierarchy not mounted here
		}
		if usage >= limit {
			return 0, true
		}
		return limit - usage, true
	}
	return 0, false
}

// containsField reports whether the comma-separated list has field.
func containsField(list, field string) bool {
	for f := range strings.SplitSeq(list, ",") {
		if f == field {
			return true
		}
	}
	return false
}

// readUint reads a file holding one unsigned number.
func readUint(path string) (uint64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(string(bytes.TrimSpace(data)), 10, 64)
	return n, err == nil
}

// jobsNote says how the architectures ran, for -v.
func jobsNote(jobs, lanes int) string {
	if jobs >= lanes {
		return "at once"
	}
	return fmt.Sprintf("%d at a time", jobs)
}
