package analyzer

import "errors"

// Analyze loads the packages matched by patterns (as for go build, relative
// to cfg.Dir) for GOOS=linux and cfg.GOARCH, and returns what each main
// package among them needs.
func Analyze(cfg Config, patterns ...string) (*Report, error) {
	return nil, errors.New("analyzer: not implemented yet")
}
