//go:build !cgo

package cfile

import "errors"

// Run needs cgo; a build without it (a cross build) only reports so.
func Run(path string) error {
	return errors.New("cfile: built without cgo")
}
