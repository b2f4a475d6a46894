package analyzer

import "golang.org/x/tools/go/ssa"

// extraInvokes returns call edges the call graph misses for fn's interface
// method calls because the receiver may have been made by reflection.
func (a *analysis) extraInvokes(fn *ssa.Function) []edge { return nil }

// reflectRoots returns the methods and functions reflection can call.
func (a *analysis) reflectRoots(r *reach) []rootReason { return nil }
